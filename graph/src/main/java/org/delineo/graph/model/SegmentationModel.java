package org.delineo.graph.model;

import org.delineo.graph.GraphContext;

/**
 * A segmentation network: configured once, applied to inputs in a {@link GraphContext} whose mode
 * decides batch-norm and dropout behaviour. Applying it again (another view, a teacher path) reuses
 * its variables.
 */
public interface SegmentationModel {

  /** The registry name used in configs (e.g. {@code unet}). */
  String name();

  /** Number of output classes K. */
  int numClasses();

  /** Builds the forward pass. */
  ModelOutputs apply(GraphContext ctx, ModelInputs inputs);

  /**
   * Spatial sizes must be multiples of this (the network's total stride); inference pads inputs
   * up to it and crops outputs back.
   */
  default int sizeDivisor() {
    return 1;
  }

  /**
   * Whether the model reads {@link ModelInputs#modalityMask()} (multi-modal networks that zero
   * missing modalities); training then feeds a mask per sample and inference an all-present one
   * unless told otherwise.
   */
  default boolean takesModalityMask() {
    return false;
  }

  /**
   * The edge every spatial input axis must have (networks built for a fixed crop, evaluated with
   * sliding windows of that size), or 0 when any size divisible by {@link #sizeDivisor()} works.
   */
  default int requiredInputSize() {
    return 0;
  }
}
