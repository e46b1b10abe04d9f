package org.delineo.serving;

import java.util.Arrays;

/**
 * One image's (or volume's) prediction from {@link Predictor}, row-major like the input.
 *
 * @param shape spatial size {@code H, W} or {@code D, H, W}
 * @param numClasses number of classes K
 * @param probabilities {@code shape × K} values, classes last
 * @param labels {@code shape} class ids
 */
public record Prediction(int[] shape, int numClasses, float[] probabilities, int[] labels) {

  /** The probability of class {@code cls} at flat voxel index {@code voxel}. */
  public float probability(int voxel, int cls) {
    return probabilities[voxel * numClasses + cls];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Prediction p
        && numClasses == p.numClasses
        && Arrays.equals(shape, p.shape)
        && Arrays.equals(probabilities, p.probabilities)
        && Arrays.equals(labels, p.labels);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(shape) * 31 + Arrays.hashCode(labels);
  }

  @Override
  public String toString() {
    return "Prediction[shape=" + Arrays.toString(shape) + ", numClasses=" + numClasses + "]";
  }
}
