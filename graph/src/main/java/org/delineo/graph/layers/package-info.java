/**
 * Layers: convolutions, normalisations, activations, dropout, resizes, point sampling and
 * multi-scale deformable sampling (bilinear grid sampling built from gathers), each a module or
 * function whose variables and defaults mirror the PyTorch layer it stands for.
 *
 * <p>May depend on: {@code graph}, {@code graph.gradients}, {@code graph.init}.
 */
package org.delineo.graph.layers;
