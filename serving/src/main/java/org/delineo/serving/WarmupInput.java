package org.delineo.serving;

import java.util.Arrays;
import java.util.Random;
import org.delineo.graph.ShapeMismatchException;

/**
 * One warm-up example: a single image ({@code [H, W, C]} or {@code [D, H, W, C]}, no batch
 * dimension) of raw float intensities, as a client would send it. {@link WarmupWriter} adds the
 * batch dimension of 1.
 *
 * @param shape the example's dimensions without the batch dimension, all positive
 * @param values the values in row-major (NHWC) order; {@code values.length} is the shape's product
 */
public record WarmupInput(long[] shape, float[] values) {

  public WarmupInput {
    shape = shape.clone();
    values = values.clone();
    long size = 1;
    for (long d : shape) {
      if (d <= 0) {
        throw new ShapeMismatchException(
            "warm-up input: expected positive dimensions, found shape " + Arrays.toString(shape));
      }
      size *= d;
    }
    if (shape.length == 0 || size != values.length) {
      throw new ShapeMismatchException("warm-up input: expected " + size + " values for shape "
          + Arrays.toString(shape) + ", found " + values.length);
    }
  }

  /** A synthetic example of {@code shape}: uniform values in [0, 1) from {@code seed}. */
  public static WarmupInput synthetic(long[] shape, long seed) {
    long size = 1;
    for (long d : shape) {
      size *= Math.max(d, 0);
    }
    if (size > Integer.MAX_VALUE) {
      throw new ShapeMismatchException(
          "warm-up input: shape " + Arrays.toString(shape) + " is too large for one request");
    }
    Random random = new Random(seed);
    float[] values = new float[(int) size];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat();
    }
    return new WarmupInput(shape, values);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public float[] values() {
    return values.clone();
  }
}
