package org.delineo.graph;

import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** Copies between Java arrays and tensors; callers own (and close) the tensors created here. */
public final class Tensors {
  private Tensors() {}

  /** A new float tensor holding {@code values} in row-major order. */
  public static TFloat32 floats(Shape shape, float... values) {
    if (shape.size() != values.length) {
      throw new ShapeMismatchException(
          "tensor of shape " + shape + " needs " + shape.size() + " values, found " + values.length);
    }
    return TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
  }

  /** A new int tensor holding {@code values} in row-major order. */
  public static TInt32 ints(Shape shape, int... values) {
    if (shape.size() != values.length) {
      throw new ShapeMismatchException(
          "tensor of shape " + shape + " needs " + shape.size() + " values, found " + values.length);
    }
    return TInt32.tensorOf(shape, DataBuffers.of(values, true, false));
  }

  /** The values of a float tensor in row-major order. */
  public static float[] toFloats(Tensor tensor) {
    TFloat32 t = (TFloat32) tensor;
    float[] out = new float[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** The values of an int32 tensor in row-major order. */
  public static int[] toInts(Tensor tensor) {
    TInt32 t = (TInt32) tensor;
    int[] out = new int[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** The values of an int64 tensor in row-major order. */
  public static long[] toLongs(Tensor tensor) {
    TInt64 t = (TInt64) tensor;
    long[] out = new long[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** The float values of fetch {@code index} of a result (the result stays open). */
  public static float[] toFloats(Result result, int index) {
    return toFloats(result.get(index));
  }

  /** The single value of a scalar float fetch. */
  public static float scalar(Result result, int index) {
    return ((TFloat32) result.get(index)).getFloat();
  }
}
