package org.delineo.training.data.io;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;

/**
 * A NumPy array in memory, C (row-major) order. Floating dtypes are held as {@code float[]}
 * ({@code float64} narrowed to float32), integer and boolean dtypes as {@code int[]}; exactly one
 * of the two arrays is non-null. {@link #floats()} and {@link #ints()} give either kind.
 *
 * @param dtype the NumPy dtype string as read (e.g. {@code <f4}, {@code |u1}), or as it will be
 *     written ({@code <f4} for float data, {@code <i4} for int data)
 * @param shape the array's shape; empty for a 0-d (scalar) array
 * @param floatData values of a floating dtype, or null
 * @param intData values of an integer or boolean dtype (booleans as 0/1), or null
 */
public record NpyArray(String dtype, int[] shape, float[] floatData, int[] intData) {

  public NpyArray {
    if ((floatData == null) == (intData == null)) {
      throw new IllegalArgumentException("NpyArray: exactly one of floatData, intData is needed");
    }
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new ShapeMismatchException("NpyArray: negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
    }
    int length = floatData != null ? floatData.length : intData.length;
    if (n != length) {
      throw new ShapeMismatchException(
          "NpyArray: shape " + Arrays.toString(shape) + " needs " + n + " values, found " + length);
    }
  }

  /** A float32 array ({@code <f4}) of the given shape; the data is not copied. */
  public static NpyArray ofFloats(float[] data, int... shape) {
    return new NpyArray("<f4", shape.clone(), data, null);
  }

  /** An int32 array ({@code <i4}) of the given shape; the data is not copied. */
  public static NpyArray ofInts(int[] data, int... shape) {
    return new NpyArray("<i4", shape.clone(), null, data);
  }

  /** Whether the values are held as floats (a floating dtype). */
  public boolean isFloat() {
    return floatData != null;
  }

  /** Number of elements. */
  public int size() {
    return isFloat() ? floatData.length : intData.length;
  }

  /** The values as floats: the float array itself, or the ints converted (exact up to 2^24). */
  public float[] floats() {
    if (floatData != null) {
      return floatData;
    }
    float[] out = new float[intData.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = intData[i];
    }
    return out;
  }

  /**
   * The values as ints: the int array itself, or the floats converted.
   *
   * @throws DelineoException when a float value is not an integer in the int range (e.g. a label
   *     file saved as probabilities)
   */
  public int[] ints() {
    if (intData != null) {
      return intData;
    }
    int[] out = new int[floatData.length];
    for (int i = 0; i < out.length; i++) {
      float v = floatData[i];
      if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new DelineoException(
            "NpyArray (" + dtype + "): value " + v + " at index " + i + " is not an integer");
      }
      out[i] = (int) v;
    }
    return out;
  }
}
