package org.delineo.training.config;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.TextFormat;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Converts the text of one scalar value into the Java object protobuf reflection expects for a
 * field (Integer, Long, Float, Double, Boolean, String, ByteString, EnumValueDescriptor).
 */
final class ScalarValues {
  /** How forgiving the conversion is. */
  enum Syntax {
    /** Text-format rules: strings quoted, enum names exact. Used to explain file errors. */
    TEXT_FORMAT,
    /** Command-line overrides: quotes optional, enum names in any case. */
    OVERRIDE
  }

  private static final Pattern INTEGER = Pattern.compile("[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)");
  // A trailing f is text format's float suffix; Java's own d/F suffixes are deliberately refused.
  private static final Pattern FLOAT =
      Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?[fF]?");
  private static final Pattern NON_FINITE = Pattern.compile("[+-]?(inf|infinity|nan)f?");

  private ScalarValues() {}

  /** The value {@code text} denotes for {@code field}, or empty when it is not a valid value. */
  static Optional<Object> parse(FieldDescriptor field, String text, Syntax syntax) {
    String t = text.trim();
    FieldDescriptor.Type type = field.getType();
    boolean unsigned = type == FieldDescriptor.Type.UINT32 || type == FieldDescriptor.Type.FIXED32
        || type == FieldDescriptor.Type.UINT64 || type == FieldDescriptor.Type.FIXED64;
    try {
      switch (field.getJavaType()) {
        case INT:
          return parseInteger(t, unsigned, 32).<Object>map(v -> (int) (long) v);
        case LONG:
          return parseInteger(t, unsigned, 64).<Object>map(v -> v);
        case FLOAT:
          return parseDouble(t).<Object>map(v -> (float) (double) v);
        case DOUBLE:
          return parseDouble(t).<Object>map(v -> v);
        case BOOLEAN:
          return parseBoolean(t).<Object>map(v -> v);
        case STRING:
          return parseString(t, syntax).<Object>map(v -> v);
        case BYTE_STRING:
          return parseString(t, syntax)
              .<Object>map(v -> ByteString.copyFrom(v, StandardCharsets.UTF_8));
        case ENUM:
          return parseEnum(field, t, syntax).<Object>map(v -> v);
        default:
          return Optional.empty();
      }
    } catch (NumberFormatException | TextFormat.InvalidEscapeSequenceException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code text} is a single- or double-quoted string token. */
  static boolean isQuoted(String text) {
    return text.length() >= 2
        && (text.charAt(0) == '"' || text.charAt(0) == '\'')
        && text.charAt(text.length() - 1) == text.charAt(0);
  }

  private static Optional<Long> parseInteger(String t, boolean unsigned, int bits) {
    if (!INTEGER.matcher(t).matches()) {
      return Optional.empty();
    }
    boolean negative = t.startsWith("-");
    String digits = t.startsWith("+") || negative ? t.substring(1) : t;
    int radix = 10;
    if (digits.startsWith("0x") || digits.startsWith("0X")) {
      digits = digits.substring(2);
      radix = 16;
    }
    BigInteger value = new BigInteger(digits, radix);
    if (negative) {
      value = value.negate();
    }
    BigInteger min = unsigned
        ? BigInteger.ZERO
        : BigInteger.ONE.shiftLeft(bits - 1).negate();
    BigInteger max = unsigned
        ? BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
        : BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      return Optional.empty();
    }
    // Unsigned values above the signed range wrap, which is how protobuf stores them in Java.
    return Optional.of(value.longValue());
  }

  private static Optional<Double> parseDouble(String t) {
    String lower = t.toLowerCase(Locale.ROOT);
    if (NON_FINITE.matcher(lower).matches()) {
      boolean negative = lower.startsWith("-");
      return Optional.of(lower.contains("nan") ? Double.NaN
          : negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
    }
    if (!FLOAT.matcher(t).matches()) {
      return Optional.empty();
    }
    return Optional.of(Double.parseDouble(t.replaceAll("[fF]$", "")));
  }

  private static Optional<Boolean> parseBoolean(String t) {
    switch (t.toLowerCase(Locale.ROOT)) {
      case "true":
      case "t":
      case "1":
        return Optional.of(true);
      case "false":
      case "f":
      case "0":
        return Optional.of(false);
      default:
        return Optional.empty();
    }
  }

  private static Optional<String> parseString(String t, Syntax syntax)
      throws TextFormat.InvalidEscapeSequenceException {
    if (isQuoted(t)) {
      return Optional.of(TextFormat.unescapeBytes(t.substring(1, t.length() - 1)).toStringUtf8());
    }
    return syntax == Syntax.OVERRIDE ? Optional.of(t) : Optional.empty();
  }

  private static Optional<EnumValueDescriptor> parseEnum(
      FieldDescriptor field, String t, Syntax syntax) {
    for (EnumValueDescriptor value : field.getEnumType().getValues()) {
      boolean same = syntax == Syntax.OVERRIDE
          ? value.getName().equalsIgnoreCase(t)
          : value.getName().equals(t);
      if (same) {
        return Optional.of(value);
      }
    }
    if (INTEGER.matcher(t).matches() && !t.contains("x") && !t.contains("X")) {
      return Optional.ofNullable(field.getEnumType().findValueByNumber(Integer.parseInt(t)));
    }
    return Optional.empty();
  }
}
