package org.delineo.training.run;

import java.util.Iterator;
import java.util.Map;

/**
 * Writes small JSON documents (provenance, metrics lines) without a JSON library. Values may be
 * null, strings, booleans, numbers, maps with string keys (written in iteration order), iterables
 * and primitive double/long/int arrays. Non-finite doubles are written as {@code null}, since JSON
 * has no NaN or infinity.
 */
public final class Json {
  private Json() {}

  /** The compact JSON text of {@code value} (one line). */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    append(out, value);
    return out.toString();
  }

  /**
   * The JSON text of {@code value} with objects and arrays spread over lines, indented by two
   * spaces per level and ending with a newline, for files people read (provenance.json).
   */
  public static String writePretty(Object value) {
    StringBuilder out = new StringBuilder();
    appendPretty(out, value, "");
    return out.append('\n').toString();
  }

  /** {@code s} as a quoted JSON string literal. */
  public static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2);
    appendString(out, s);
    return out.toString();
  }

  private static void append(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      appendString(out, s);
    } else if (value instanceof Boolean b) {
      out.append(b.booleanValue());
    } else if (value instanceof Double || value instanceof Float) {
      appendDouble(out, ((Number) value).doubleValue());
    } else if (value instanceof Number n) {
      // Integral types (Integer, Long, Short, Byte, BigInteger) print exactly.
      out.append(n.toString());
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        appendString(out, String.valueOf(e.getKey()));
        out.append(':');
        append(out, e.getValue());
      }
      out.append('}');
    } else if (value instanceof Iterable<?> items) {
      out.append('[');
      Iterator<?> it = items.iterator();
      while (it.hasNext()) {
        append(out, it.next());
        if (it.hasNext()) {
          out.append(',');
        }
      }
      out.append(']');
    } else if (value instanceof double[] a) {
      out.append('[');
      for (int i = 0; i < a.length; i++) {
        if (i > 0) {
          out.append(',');
        }
        appendDouble(out, a[i]);
      }
      out.append(']');
    } else if (value instanceof long[] a) {
      out.append('[');
      for (int i = 0; i < a.length; i++) {
        out.append(i > 0 ? "," : "").append(a[i]);
      }
      out.append(']');
    } else if (value instanceof int[] a) {
      out.append('[');
      for (int i = 0; i < a.length; i++) {
        out.append(i > 0 ? "," : "").append(a[i]);
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }
  }

  private static void appendPretty(StringBuilder out, Object value, String indent) {
    String inner = indent + "  ";
    if (value instanceof Map<?, ?> map && !map.isEmpty()) {
      out.append("{\n");
      Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        out.append(inner);
        appendString(out, String.valueOf(e.getKey()));
        out.append(": ");
        appendPretty(out, e.getValue(), inner);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      out.append(indent).append('}');
    } else if (value instanceof Iterable<?> items && items.iterator().hasNext()) {
      out.append("[\n");
      Iterator<?> it = items.iterator();
      while (it.hasNext()) {
        out.append(inner);
        appendPretty(out, it.next(), inner);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      out.append(indent).append(']');
    } else {
      append(out, value);
    }
  }

  private static void appendDouble(StringBuilder out, double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      out.append("null");
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      // Whole numbers without the exponent form Java would use above 1e7.
      out.append((long) v).append(".0");
    } else {
      // Java's shortest round-trip form; its exponent form (1.0E-5) is valid JSON.
      out.append(v);
    }
  }

  private static void appendString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            // Control characters must be escaped; U+2028/9 break JavaScript consumers.
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
