package org.delineo.training.data;

import java.util.Arrays;
import org.delineo.graph.ShapeMismatchException;

/**
 * One decoded training or evaluation example, channels last. 2D: image {@code [H, W, C]}, label
 * {@code [H, W]}; 3D: image {@code [D, H, W, M]}, label {@code [D, H, W]}. Arrays are row-major.
 *
 * @param id case or file identifier, used in error messages and outputs
 * @param image intensities
 * @param imageShape the image's shape (rank 3 or 4)
 * @param label class ids (255 = ignore for scene data), or null for unlabeled samples
 * @param labelShape the label's shape (the image's spatial shape), or null when unlabeled
 * @param spacing voxel/pixel spacing in mm per spatial axis (1 when unknown)
 */
public record Sample(
    String id, float[] image, int[] imageShape, int[] label, int[] labelShape, double[] spacing) {

  public Sample {
    if (image.length != product(imageShape)) {
      throw new ShapeMismatchException(
          id + ": image shape " + Arrays.toString(imageShape) + " needs " + product(imageShape)
              + " values, found " + image.length);
    }
    if (label != null) {
      if (label.length != product(labelShape)) {
        throw new ShapeMismatchException(
            id + ": label shape " + Arrays.toString(labelShape) + " needs " + product(labelShape)
                + " values, found " + label.length);
      }
      int[] spatial = Arrays.copyOf(imageShape, imageShape.length - 1);
      if (!Arrays.equals(spatial, labelShape)) {
        throw new ShapeMismatchException(
            id + ": label shape must equal the image's spatial shape " + Arrays.toString(spatial)
                + ", found " + Arrays.toString(labelShape));
      }
    }
  }

  /** Number of channels (modalities) of the image. */
  public int channels() {
    return imageShape[imageShape.length - 1];
  }

  /** The spatial shape, {@code [H, W]} or {@code [D, H, W]}. */
  public int[] spatialShape() {
    return Arrays.copyOf(imageShape, imageShape.length - 1);
  }

  /** Whether the sample carries a label map. */
  public boolean labeled() {
    return label != null;
  }

  private static int product(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }
}
