package org.delineo.graph.model;

import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * What a segmentation model consumes.
 *
 * @param image normalised input, {@code [N, H, W, C]} or {@code [N, D, H, W, M]} (M modalities)
 * @param modalityMask {@code [N, M]} availability of each modality, or null for single-modality models
 */
public record ModelInputs(Operand<TFloat32> image, Operand<TBool> modalityMask) {

  /** Inputs of a model without modality masks. */
  public static ModelInputs of(Operand<TFloat32> image) {
    return new ModelInputs(image, null);
  }
}
