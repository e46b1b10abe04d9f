/**
 * Evaluation: the inference graph, sliding-window and test-resize evaluation, per-image, per-
 * volume and per-modality-mask scoring, and loading weights for evaluation.
 *
 * <p>May depend on: {@code graph}, {@code graph.io}, {@code graph.layers}, {@code graph.model},
 * {@code proto}, {@code serving}, {@code training.checkpoint}, {@code training.config}, {@code
 * training.data}, {@code training.data.augment}, {@code training.data.brats}, {@code
 * training.data.pipeline}, {@code training.metrics}, {@code training.run}, {@code
 * training.wiring}.
 */
package org.delineo.training.eval;
