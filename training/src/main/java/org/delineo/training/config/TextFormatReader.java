package org.delineo.training.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses protobuf text format strictly (unknown fields, repeated singular fields and two members
 * of one oneof are errors) and rewrites the parser's errors so they name the field path, the
 * expected type and the text found.
 */
final class TextFormatReader {
  /** Formats the location part of a message from a 1-based line and column. */
  @FunctionalInterface
  interface Location {
    String describe(int line, int column);
  }

  private static final TextFormat.Parser PARSER = TextFormat.Parser.newBuilder()
      .setSingularOverwritePolicy(
          TextFormat.Parser.SingularOverwritePolicy.FORBID_SINGULAR_OVERWRITES)
      .build();
  private static final Pattern POSITION_PREFIX = Pattern.compile("^\\d+:\\d+: ");
  private static final Pattern UNKNOWN_FIELD_LINE = Pattern.compile("(?m)^\\d+:\\d+:\\t");
  // The parser's syntax errors read 'Expected ":".' and do not say what they found instead.
  private static final Pattern SYNTAX_ERROR = Pattern.compile("^Expected (.*)\\.$");

  private TextFormatReader() {}

  /**
   * Merges {@code text} into {@code builder}.
   *
   * @param pathPrefix field path of {@code builder} within the experiment ("" for the root), so
   *     that errors name full paths
   * @param location how the error position is written, e.g. "file:line:column: "
   * @throws ConfigException naming the position, field, expectation and what was found
   */
  static void merge(String text, Message.Builder builder, String pathPrefix, Location location) {
    try {
      PARSER.merge(text, builder);
    } catch (TextFormat.ParseException e) {
      String detail = explain(e, text, builder.getDescriptorForType(), pathPrefix);
      throw new ConfigException(location.describe(e.getLine(), e.getColumn()) + detail, e);
    }
  }

  private static String explain(
      TextFormat.ParseException e, String text, Descriptor root, String pathPrefix) {
    String original = POSITION_PREFIX.matcher(e.getMessage()).replaceFirst("");
    Matcher syntax = SYNTAX_ERROR.matcher(original);
    if (syntax.matches()) {
      String token = TextFormatOutline.tokenAt(text, e.getLine(), e.getColumn());
      original = "syntax error: expected " + syntax.group(1) + ", found "
          + (token == null ? "the end of the text" : shown(token));
    }
    TextFormatOutline.Entry entry =
        TextFormatOutline.at(TextFormatOutline.of(text), e.getLine(), e.getColumn());
    if (entry == null) {
      return original;
    }
    Descriptor type = root;
    FieldDescriptor field = null;
    String path = pathPrefix;
    for (String name : entry.path()) {
      if (type == null || name.startsWith("[")) {
        return "field '" + path + "': " + original;
      }
      path = path.isEmpty() ? name : path + "." + name;
      field = type.findFieldByName(name);
      if (field == null) {
        return FieldTypes.unknownField(path, type) + moreUnknownFields(original);
      }
      boolean isMessage = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
      type = isMessage ? field.getMessageType() : null;
    }
    if (entry.role() == TextFormatOutline.Role.VALUE && !isValid(field, entry.text())) {
      return "field '" + path + "': expected " + expected(field) + ", found "
          + shown(entry.text());
    }
    return "field '" + path + "': " + original;
  }

  private static boolean isValid(FieldDescriptor field, String token) {
    return field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
        && ScalarValues.parse(field, token, ScalarValues.Syntax.TEXT_FORMAT).isPresent();
  }

  private static String expected(FieldDescriptor field) {
    return field.getJavaType() == FieldDescriptor.JavaType.STRING
        ? "a string in double quotes"
        : FieldTypes.expected(field);
  }

  private static String shown(String token) {
    return ScalarValues.isQuoted(token) ? "the string " + token : "\"" + token + "\"";
  }

  // The parser lists every unknown field; the message names the first and counts the others.
  private static String moreUnknownFields(String original) {
    Matcher matcher = UNKNOWN_FIELD_LINE.matcher(original);
    int count = 0;
    while (matcher.find()) {
      count++;
    }
    if (count <= 1) {
      return "";
    }
    return " (and " + (count - 1) + " more unknown field" + (count > 2 ? "s" : "") + ")";
  }
}
