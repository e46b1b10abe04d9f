package org.delineo.serving.rest;

import java.util.List;
import java.util.Map;

/**
 * Writes a tree of {@code Map<String,?>}, {@code List<?>}, {@code String}, {@code Number},
 * {@code Boolean} and {@code null} as compact JSON. Floats are written with
 * {@link Float#toString(float)} (the shortest text that reads back to the same float) and
 * non-finite numbers as {@code NaN} / {@code Infinity} / {@code -Infinity}, the tokens TF
 * Serving's REST API accepts.
 */
public final class JsonWriter {
  private JsonWriter() {}

  /** The JSON text of {@code value}. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(value, sb);
    return sb.toString();
  }

  private static void write(Object value, StringBuilder sb) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof String s) {
      string(s, sb);
    } else if (value instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (value instanceof Float f) {
      sb.append(Float.toString(f));
    } else if (value instanceof Double d) {
      sb.append(Double.toString(d));
    } else if (value instanceof Long || value instanceof Integer
        || value instanceof Short || value instanceof Byte) {
      sb.append(((Number) value).longValue());
    } else if (value instanceof Map<?, ?> map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("JSON object keys must be strings, found " + e.getKey());
        }
        if (!first) {
          sb.append(',');
        }
        first = false;
        string(key, sb);
        sb.append(':');
        write(e.getValue(), sb);
      }
      sb.append('}');
    } else if (value instanceof List<?> list) {
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        write(list.get(i), sb);
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException(
          "cannot write " + value.getClass().getName() + " as JSON");
    }
  }

  private static void string(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
