/**
 * PRISM / PASSION losses for incomplete-multimodal segmentation (reference-methods.md §4.7-4.9):
 * every term returns a per-sample column [N] so that the training strategy can multiply it by
 * modality availability and then sum or average over the batch (decision PR-5). Segmentation terms
 * ({@link org.delineo.losses.prism.SoftmaxWeightedLoss}, {@link
 * org.delineo.losses.prism.PrismDiceLoss}, {@link org.delineo.losses.prism.PrmDeepSupervision})
 * take probabilities; distillation terms ({@link org.delineo.losses.prism.TemperatureKlLoss},
 * {@link org.delineo.losses.prism.PrototypeLoss}) take logits or features and detach the teacher
 * themselves. Tensors are channels-last with any number of spatial axes (NHWC or NDHWC).
 *
 * <p>May depend on: {@code graph}, {@code graph.layers}.
 */
package org.delineo.losses.prism;
