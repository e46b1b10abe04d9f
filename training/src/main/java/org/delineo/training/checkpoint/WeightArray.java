package org.delineo.training.checkpoint;

import java.util.Arrays;

/**
 * One named array of a pretrained-weight file, converted to float32, in the file's own layout
 * (PyTorch's for {@code .safetensors} and {@code .npz}).
 *
 * @param shape dimensions, row-major
 * @param values {@code product(shape)} values
 */
public record WeightArray(long[] shape, float[] values) {

  public WeightArray {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, found "
          + values.length);
    }
  }

  /** The shape as {@code [a, b, c]}. */
  public String shapeText() {
    return Arrays.toString(shape);
  }
}
