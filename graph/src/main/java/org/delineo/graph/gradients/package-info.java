/**
 * Gradients TF Java 1.1 lacks or gets wrong in graph mode, registered as custom gradients (e.g.
 * dilated convolution attributes); see docs/tensorflow-java-pitfalls.md.
 *
 * <p>May depend on: no other Delineo package.
 */
package org.delineo.graph.gradients;
