package org.delineo.training.data.augment;

import org.delineo.training.data.Sample;

/**
 * Values written where a geometric transform reads outside the original image (padding of a crop,
 * corners of a rotation).
 *
 * @param image intensity used for every channel
 * @param label class id; 255 (ignore) for 2D scene data, 0 (background) for medical volumes
 */
public record Fill(float image, int label) {
  /** 2D scene data (mmseg): image 0, label 255 = ignore. */
  public static final Fill SCENE = new Fill(0f, 255);

  /** Medical data: image 0, label 0 = background (PASSION's out-of-volume corners map to 0). */
  public static final Fill MEDICAL = new Fill(0f, 0);

  /** The default by dimensionality: {@link #SCENE} for 2D samples, {@link #MEDICAL} for 3D ones. */
  public static Fill defaultFor(Sample sample) {
    return forSpatialRank(sample.imageShape().length - 1);
  }

  /** The default for samples with {@code rank} spatial axes: {@link #SCENE} for 2, else {@link #MEDICAL}. */
  public static Fill forSpatialRank(int rank) {
    return rank == 2 ? SCENE : MEDICAL;
  }
}
