package org.delineo.graph.checkpoint;

import java.util.Arrays;
import org.tensorflow.proto.DataType;

/**
 * A tensor's element type and shape, as a checkpoint stores it or a graph variable declares it.
 *
 * @param dtype the element type (never a {@code _REF} type)
 * @param shape the dimensions, empty for a scalar
 */
public record StoredTensor(DataType dtype, long[] shape) {
  /** Copies {@code shape}, so the record stays immutable. */
  public StoredTensor {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoredTensor t && t.dtype == dtype && Arrays.equals(t.shape, shape);
  }

  @Override
  public int hashCode() {
    return dtype.hashCode() * 31 + Arrays.hashCode(shape);
  }

  /** E.g. {@code [3, 3, 4, 8] float32}, {@code [] int64} for a scalar. */
  @Override
  public String toString() {
    return Arrays.toString(shape) + " " + dtypeName(dtype);
  }

  /** numpy-style name of a dtype: {@code float32}, {@code int64}, {@code bool}, ... */
  static String dtypeName(DataType dtype) {
    switch (dtype) {
      case DT_FLOAT:
        return "float32";
      case DT_DOUBLE:
        return "float64";
      case DT_HALF:
        return "float16";
      default:
        String name = dtype.name();
        return name.startsWith("DT_") ? name.substring(3).toLowerCase(java.util.Locale.ROOT) : name;
    }
  }
}
