package org.delineo.training.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.JsonReader;

/**
 * Reads a {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}} and the raw
 * little-endian data, offsets relative to the end of the header. Every array is converted to
 * float32: F32, F16, BF16, F64 and the integer/boolean dtypes (so that e.g. {@code
 * num_batches_tracked} reads without error). Errors name the file and the tensor.
 */
public final class SafetensorsReader {
  private SafetensorsReader() {}

  /** All arrays of {@code file}, in header order. */
  public static Map<String, WeightArray> read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new DelineoException("cannot read safetensors file " + file + ": " + e, e);
    }
    if (bytes.length < 8) {
      throw new DelineoException("safetensors file " + file + " is truncated: expected at least 8 bytes, found "
          + bytes.length);
    }
    ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = le.getLong(0);
    if (headerLength < 2 || 8 + headerLength > bytes.length) {
      throw new DelineoException("safetensors file " + file + ": header length " + headerLength
          + " does not fit the file of " + bytes.length + " bytes");
    }
    String json = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    Object parsed = JsonReader.parse(json, "safetensors file " + file + ", JSON header");
    if (!(parsed instanceof Map<?, ?> header)) {
      throw new DelineoException("safetensors file " + file + ": expected a JSON object header");
    }
    long dataStart = 8 + headerLength;
    Map<String, WeightArray> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : header.entrySet()) {
      String name = (String) e.getKey();
      if (name.equals("__metadata__")) {
        continue;
      }
      out.put(name, tensor(file, name, e.getValue(), bytes, dataStart));
    }
    return out;
  }

  private static WeightArray tensor(Path file, String name, Object entry, byte[] bytes, long dataStart) {
    if (!(entry instanceof Map<?, ?> info) || !(info.get("dtype") instanceof String dtype)
        || !(info.get("shape") instanceof List<?> shapeList) || !(info.get("data_offsets") instanceof List<?> offsets)
        || offsets.size() != 2) {
      throw new DelineoException("safetensors file " + file + ", tensor '" + name
          + "': expected {dtype, shape, data_offsets: [begin, end]}");
    }
    long[] shape = new long[shapeList.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = ((Number) shapeList.get(i)).longValue();
      count *= shape[i];
    }
    int size = elementSize(file, name, dtype);
    long begin = dataStart + ((Number) offsets.get(0)).longValue();
    long end = dataStart + ((Number) offsets.get(1)).longValue();
    if (end - begin != count * size || end > bytes.length || begin < dataStart) {
      throw new DelineoException("safetensors file " + file + ", tensor '" + name + "': data_offsets span "
          + (end - begin) + " bytes, expected " + count * size + " (" + count + " × " + dtype + ") within the file");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes, (int) begin, (int) (end - begin)).slice().order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[(int) count];
    for (int i = 0; i < v.length; i++) {
      v[i] = switch (dtype) {
        case "F32" -> b.getFloat(4 * i);
        case "F64" -> (float) b.getDouble(8 * i);
        case "F16" -> halfToFloat(b.getShort(2 * i));
        case "BF16" -> Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
        case "I64" -> b.getLong(8 * i);
        case "I32" -> b.getInt(4 * i);
        case "I16" -> b.getShort(2 * i);
        case "I8" -> b.get(i);
        default -> b.get(i) & 0xFF; // U8, BOOL
      };
    }
    return new WeightArray(shape, v);
  }

  private static int elementSize(Path file, String name, String dtype) {
    return switch (dtype) {
      case "F64", "I64" -> 8;
      case "F32", "I32" -> 4;
      case "F16", "BF16", "I16" -> 2;
      case "I8", "U8", "BOOL" -> 1;
      default -> throw new DelineoException("safetensors file " + file + ", tensor '" + name + "': dtype " + dtype
          + " is not supported; supported: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL");
    };
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short h) {
    int sign = (h >>> 15) & 1;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    float magnitude;
    if (exponent == 0) {
      magnitude = mantissa * 0x1p-24f; // subnormal
    } else if (exponent == 31) {
      magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      magnitude = (1 + mantissa / 1024f) * (float) Math.pow(2, exponent - 15);
    }
    return sign == 1 ? -magnitude : magnitude;
  }
}
