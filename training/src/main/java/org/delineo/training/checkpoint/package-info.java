/**
 * Checkpoints and weights: saving and restoring runs, the training-state file, and loading
 * PyTorch/mmseg state dicts (npz, safetensors) into our variables by name.
 *
 * <p>May depend on: {@code graph}, {@code graph.checkpoint}, {@code graph.io}, {@code proto},
 * {@code serving}, {@code training.data.io}.
 */
package org.delineo.training.checkpoint;
