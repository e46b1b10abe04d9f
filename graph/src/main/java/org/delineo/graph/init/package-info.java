/**
 * Weight initialisers (Kaiming, Xavier, truncated normal, constants) and the fan-in/fan-out rules
 * they use, as the PyTorch references initialise each layer.
 *
 * <p>May depend on: no other Delineo package.
 */
package org.delineo.graph.init;
