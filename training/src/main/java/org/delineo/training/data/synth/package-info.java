/**
 * Synthetic datasets (2D scenes, 2D medical, 3D BraTS-like phantoms) written in the real layouts,
 * so every pipeline runs without downloads.
 *
 * <p>May depend on: {@code graph}, {@code graph.io}, {@code training.data}, {@code
 * training.data.io}.
 */
package org.delineo.training.data.synth;
