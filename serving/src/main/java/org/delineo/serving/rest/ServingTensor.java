package org.delineo.serving.rest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.JsonFormatException;

/**
 * A tensor as it travels through TF Serving's REST API: a shape and row-major values that are
 * numbers, booleans or byte strings (sent as {@code {"b64": ...}}). Numbers read from a response
 * keep double precision; {@link #floats()} and {@link #ints()} give them as the model's dtype.
 */
public final class ServingTensor {
  /** What the values are; decides how they are written to JSON. */
  public enum Kind {
    /** Written as JSON numbers with float precision ({@code DT_FLOAT}). */
    FLOAT,
    /** Written as JSON integers ({@code DT_INT32}, {@code DT_INT64}, ...). */
    INT,
    /** Written as {@code true}/{@code false} ({@code DT_BOOL}). */
    BOOL,
    /** Byte strings written as {@code {"b64": ...}} ({@code DT_STRING}, e.g. PNG bytes). */
    BYTES
  }

  private final Kind kind;
  private final long[] shape;
  private final double[] numbers; // FLOAT, INT and BOOL (0/1); null for BYTES
  private final List<byte[]> bytes; // BYTES only

  private ServingTensor(Kind kind, long[] shape, double[] numbers, List<byte[]> bytes) {
    this.kind = kind;
    this.shape = shape.clone();
    this.numbers = numbers;
    this.bytes = bytes;
  }

  /** A float tensor; {@code data} is row-major and must hold product(shape) values. */
  public static ServingTensor ofFloats(float[] data, long... shape) {
    checkSize(data.length, shape);
    double[] v = new double[data.length];
    for (int i = 0; i < data.length; i++) {
      v[i] = data[i];
    }
    return new ServingTensor(Kind.FLOAT, shape, v, null);
  }

  /** An integer tensor; {@code data} is row-major and must hold product(shape) values. */
  public static ServingTensor ofInts(int[] data, long... shape) {
    checkSize(data.length, shape);
    double[] v = new double[data.length];
    for (int i = 0; i < data.length; i++) {
      v[i] = data[i];
    }
    return new ServingTensor(Kind.INT, shape, v, null);
  }

  /** A boolean tensor (e.g. a {@code modality_mask}); row-major, product(shape) values. */
  public static ServingTensor ofBools(boolean[] data, long... shape) {
    checkSize(data.length, shape);
    double[] v = new double[data.length];
    for (int i = 0; i < data.length; i++) {
      v[i] = data[i] ? 1 : 0;
    }
    return new ServingTensor(Kind.BOOL, shape, v, null);
  }

  /** A byte-string tensor (e.g. encoded PNGs for an {@code image_bytes} input). */
  public static ServingTensor ofBytes(List<byte[]> values, long... shape) {
    checkSize(values.size(), shape);
    List<byte[]> copy = new ArrayList<>(values.size());
    for (byte[] b : values) {
      copy.add(b.clone());
    }
    return new ServingTensor(Kind.BYTES, shape, null, List.copyOf(copy));
  }

  public Kind kind() {
    return kind;
  }

  public long[] shape() {
    return shape.clone();
  }

  /** The number of values, product(shape). */
  public int size() {
    return kind == Kind.BYTES ? bytes.size() : numbers.length;
  }

  /** The values as floats (booleans as 0/1); fails for byte strings. */
  public float[] floats() {
    requireNumeric("floats()");
    float[] out = new float[numbers.length];
    for (int i = 0; i < numbers.length; i++) {
      out[i] = (float) numbers[i];
    }
    return out;
  }

  /** The values as ints; every value must be a whole number in int range. */
  public int[] ints() {
    requireNumeric("ints()");
    int[] out = new int[numbers.length];
    for (int i = 0; i < numbers.length; i++) {
      double v = numbers[i];
      if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new DelineoException(
            "tensor value " + i + " is " + v + ", expected a whole number in int range");
      }
      out[i] = (int) v;
    }
    return out;
  }

  /** The values as booleans (non-zero numbers are true); fails for byte strings. */
  public boolean[] bools() {
    requireNumeric("bools()");
    boolean[] out = new boolean[numbers.length];
    for (int i = 0; i < numbers.length; i++) {
      out[i] = numbers[i] != 0;
    }
    return out;
  }

  /** The byte strings (copies); fails for numeric tensors. */
  public List<byte[]> bytes() {
    if (kind != Kind.BYTES) {
      throw new DelineoException("bytes() needs a BYTES tensor, this one is " + kind);
    }
    List<byte[]> out = new ArrayList<>(bytes.size());
    for (byte[] b : bytes) {
      out.add(b.clone());
    }
    return out;
  }

  @Override
  public String toString() {
    return "ServingTensor[" + kind + " " + Arrays.toString(shape) + "]";
  }

  /** The nested JSON lists (row-major) of this tensor; a rank-0 tensor is its single value. */
  Object toJson() {
    int[] next = {0};
    return nest(0, next);
  }

  private Object nest(int dim, int[] next) {
    if (dim == shape.length) {
      return leaf(next[0]++);
    }
    List<Object> list = new ArrayList<>((int) shape[dim]);
    for (long i = 0; i < shape[dim]; i++) {
      list.add(nest(dim + 1, next));
    }
    return list;
  }

  private Object leaf(int i) {
    switch (kind) {
      case FLOAT:
        return (float) numbers[i];
      case INT:
        return (long) numbers[i];
      case BOOL:
        return numbers[i] != 0;
      default:
        Map<String, Object> b64 = new LinkedHashMap<>();
        b64.put("b64", Base64.getEncoder().encodeToString(bytes.get(i)));
        return b64;
    }
  }

  /**
   * Reads a tensor from nested JSON lists. Leaves are numbers (INT when every one is an integer
   * literal, else FLOAT), booleans, {@code {"b64": ...}} objects or plain strings (both BYTES,
   * strings as UTF-8). {@code where} names the value in error messages.
   */
  static ServingTensor fromJson(Object json, String where) {
    List<Long> dims = new ArrayList<>();
    Object probe = json;
    while (probe instanceof List<?> list) {
      dims.add((long) list.size());
      if (list.isEmpty()) {
        break;
      }
      probe = list.get(0);
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    List<Object> leaves = new ArrayList<>();
    flatten(json, shape, 0, where, leaves);
    return fromLeaves(leaves, shape, where);
  }

  private static void flatten(
      Object value, long[] shape, int dim, String where, List<Object> leaves) {
    if (dim == shape.length) {
      if (value instanceof List) {
        throw new JsonFormatException(
            where + ": expected a scalar at nesting depth " + dim + " but found a list");
      }
      leaves.add(value);
      return;
    }
    if (!(value instanceof List<?> list)) {
      throw new JsonFormatException(
          where + ": expected a list of " + shape[dim] + " at nesting depth " + dim
              + " but found " + describe(value) + " (ragged tensor)");
    }
    if (list.size() != shape[dim]) {
      throw new JsonFormatException(
          where + ": expected a list of " + shape[dim] + " at nesting depth " + dim
              + " but found " + list.size() + " elements (ragged tensor)");
    }
    for (Object item : list) {
      flatten(item, shape, dim + 1, where, leaves);
    }
  }

  private static ServingTensor fromLeaves(List<Object> leaves, long[] shape, String where) {
    if (leaves.isEmpty()) {
      return new ServingTensor(Kind.FLOAT, shape, new double[0], null);
    }
    Object first = leaves.get(0);
    if (first instanceof Number) {
      double[] v = new double[leaves.size()];
      boolean allIntegers = true;
      for (int i = 0; i < v.length; i++) {
        if (!(leaves.get(i) instanceof Number n)) {
          throw mixed(where, "numbers", leaves.get(i));
        }
        allIntegers &= n instanceof Long;
        v[i] = n.doubleValue();
      }
      return new ServingTensor(allIntegers ? Kind.INT : Kind.FLOAT, shape, v, null);
    }
    if (first instanceof Boolean) {
      double[] v = new double[leaves.size()];
      for (int i = 0; i < v.length; i++) {
        if (!(leaves.get(i) instanceof Boolean b)) {
          throw mixed(where, "booleans", leaves.get(i));
        }
        v[i] = b ? 1 : 0;
      }
      return new ServingTensor(Kind.BOOL, shape, v, null);
    }
    List<byte[]> bytes = new ArrayList<>(leaves.size());
    for (Object leaf : leaves) {
      bytes.add(byteString(leaf, where));
    }
    return new ServingTensor(Kind.BYTES, shape, null, List.copyOf(bytes));
  }

  private static byte[] byteString(Object leaf, String where) {
    if (leaf instanceof String s) {
      return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    if (isB64(leaf)) {
      Object encoded = ((Map<?, ?>) leaf).get("b64");
      try {
        return Base64.getDecoder().decode((String) encoded);
      } catch (IllegalArgumentException e) {
        throw new JsonFormatException(
            where + ": expected base64 in {\"b64\": ...} but " + e.getMessage());
      }
    }
    throw new JsonFormatException(
        where + ": expected a number, boolean, string or {\"b64\": ...} but found "
            + describe(leaf));
  }

  /** Whether a JSON value is TF Serving's binary wrapper {@code {"b64": "<base64>"}}. */
  static boolean isB64(Object value) {
    return value instanceof Map<?, ?> m && m.size() == 1 && m.get("b64") instanceof String;
  }

  private static JsonFormatException mixed(String where, String expected, Object found) {
    return new JsonFormatException(
        where + ": expected only " + expected + " but found " + describe(found));
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof List) {
      return "a list";
    }
    if (value instanceof String) {
      return "a string";
    }
    return value.toString();
  }

  private void requireNumeric(String what) {
    if (kind == Kind.BYTES) {
      throw new DelineoException(what + " needs a numeric tensor, this one holds byte strings");
    }
  }

  private static void checkSize(int length, long[] shape) {
    long product = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new DelineoException(
            "tensor shape " + Arrays.toString(shape) + " has a negative dimension");
      }
      product *= d;
    }
    if (product != length) {
      throw new DelineoException(
          "tensor shape " + Arrays.toString(shape) + " needs " + product + " values, found "
              + length);
    }
  }
}
