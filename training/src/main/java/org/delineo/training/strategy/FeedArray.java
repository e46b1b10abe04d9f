package org.delineo.training.strategy;

import java.util.Arrays;
import org.delineo.graph.Tensors;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBool;

/**
 * One fed value of a training iteration as plain Java data: exactly one of {@code floats},
 * {@code ints} or {@code bools} is set, row-major with {@code shape}. Turned into a tensor only
 * for the {@code Session.run} that needs it.
 */
public record FeedArray(float[] floats, int[] ints, boolean[] bools, long[] shape) {

  public FeedArray {
    shape = shape.clone();
    int set = (floats != null ? 1 : 0) + (ints != null ? 1 : 0) + (bools != null ? 1 : 0);
    if (set != 1) {
      throw new IllegalArgumentException("exactly one of floats, ints, bools must be given, found " + set);
    }
    long n = Shape.of(shape).size();
    int length = floats != null ? floats.length : ints != null ? ints.length : bools.length;
    if (n != length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, found " + length);
    }
  }

  public static FeedArray of(float[] values, int... shape) {
    return new FeedArray(values, null, null, toLong(shape));
  }

  public static FeedArray of(int[] values, int... shape) {
    return new FeedArray(null, values, null, toLong(shape));
  }

  public static FeedArray of(boolean[] values, int... shape) {
    return new FeedArray(null, null, values, toLong(shape));
  }

  /** A new tensor with these values; the caller closes it. */
  public Tensor toTensor() {
    Shape s = Shape.of(shape);
    if (floats != null) {
      return Tensors.floats(s, floats);
    }
    if (ints != null) {
      return Tensors.ints(s, ints);
    }
    return TBool.tensorOf(s, DataBuffers.of(bools, true, false));
  }

  static long[] toLong(int[] shape) {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[i];
    }
    return out;
  }
}
