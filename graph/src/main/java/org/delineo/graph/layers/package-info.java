/**
 * Layers: convolutions, normalisations, activations, dropout, resizes and point sampling, each a
 * module whose variables and defaults mirror the PyTorch layer it stands for.
 *
 * <p>May depend on: {@code graph}, {@code graph.gradients}, {@code graph.init}.
 */
package org.delineo.graph.layers;
