package org.delineo.training.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses protobuf text format strictly (unknown fields, repeated singular fields and two members
 * of one oneof are errors) and rewrites the parser's errors so they name the field path, the
 * expected type and the text found. The one exception: a removed field holding the default that
 * runs recorded for it is skipped ({@link RemovedFields}), so older run directories still load.
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
  /** As {@link #PARSER}, skipping unknown fields: used once they are all recorded removed ones. */
  private static final TextFormat.Parser SKIPPING_UNKNOWN = TextFormat.Parser.newBuilder()
      .setSingularOverwritePolicy(
          TextFormat.Parser.SingularOverwritePolicy.FORBID_SINGULAR_OVERWRITES)
      .setAllowUnknownFields(true)
      .build();
  private static final Pattern POSITION_PREFIX = Pattern.compile("^\\d+:\\d+: ");
  /** One field of the parser's unknown-field list: its 1-based line and column. */
  private static final Pattern UNKNOWN_FIELD_POSITION = Pattern.compile("(?m)^(\\d+):(\\d+):\\t");
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
    // A strict parse that fails leaves its target half merged; a second parse starts from this.
    Message before = builder.buildPartial();
    try {
      PARSER.merge(text, builder);
    } catch (TextFormat.ParseException e) {
      List<int[]> positions = unskippable(e, text, pathPrefix);
      if (positions.isEmpty()) {
        try {
          SKIPPING_UNKNOWN.merge(text, builder.clear().mergeFrom(before));
          return;
        } catch (TextFormat.ParseException impossible) {
          throw new IllegalStateException("text parsed strictly up to its unknown fields", impossible);
        }
      }
      int[] position = positions.get(0);
      String detail = explain(e, position[0], position[1], positions.size() - 1, text,
          builder.getDescriptorForType(), pathPrefix);
      throw new ConfigException(location.describe(position[0], position[1]) + detail, e);
    }
  }

  /**
   * The positions of the errors to report: the parser's, or for a list of unknown fields those that
   * are not a removed field holding its recorded default; empty when every unknown field is one
   * (the text may then be parsed skipping them).
   */
  private static List<int[]> unskippable(TextFormat.ParseException e, String text, String pathPrefix) {
    List<int[]> parserPosition = List.of(new int[] {e.getLine(), e.getColumn()});
    if (!e.getMessage().contains("unknown fields")) {
      return parserPosition;
    }
    List<TextFormatOutline.Entry> entries = TextFormatOutline.of(text);
    Matcher unknown = UNKNOWN_FIELD_POSITION.matcher(e.getMessage());
    List<int[]> found = new ArrayList<>();
    boolean any = false;
    while (unknown.find()) {
      any = true;
      int line = Integer.parseInt(unknown.group(1));
      int column = Integer.parseInt(unknown.group(2));
      if (!isRecordedRemovedField(entries, line, column, pathPrefix)) {
        found.add(new int[] {line, column});
      }
    }
    return any ? found : parserPosition;
  }

  /** Whether the field name at the position is a removed field followed by its recorded default. */
  private static boolean isRecordedRemovedField(List<TextFormatOutline.Entry> entries, int line, int column,
      String pathPrefix) {
    for (int i = 0; i < entries.size(); i++) {
      TextFormatOutline.Entry name = entries.get(i);
      if (name.line() == line && name.column() == column && name.role() == TextFormatOutline.Role.NAME) {
        String path = String.join(".", name.path());
        path = pathPrefix.isEmpty() ? path : pathPrefix + "." + path;
        boolean hasValue = i + 1 < entries.size() && entries.get(i + 1).role() == TextFormatOutline.Role.VALUE
            && entries.get(i + 1).path().equals(name.path());
        return hasValue && RemovedFields.isRecordedDefault(path, entries.get(i + 1).text());
      }
    }
    return false;
  }

  /** The error at the position, in words; {@code moreUnknown} other unknown fields are counted. */
  private static String explain(TextFormat.ParseException e, int line, int column, int moreUnknown, String text,
      Descriptor root, String pathPrefix) {
    String original = POSITION_PREFIX.matcher(e.getMessage()).replaceFirst("");
    Matcher syntax = SYNTAX_ERROR.matcher(original);
    if (syntax.matches()) {
      String token = TextFormatOutline.tokenAt(text, line, column);
      original = "syntax error: expected " + syntax.group(1) + ", found "
          + (token == null ? "the end of the text" : shown(token));
    }
    TextFormatOutline.Entry entry =
        TextFormatOutline.at(TextFormatOutline.of(text), line, column);
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
        return FieldTypes.unknownField(path, type) + moreUnknownFields(moreUnknown);
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
  private static String moreUnknownFields(int more) {
    if (more <= 0) {
      return "";
    }
    return " (and " + more + " more unknown field" + (more > 1 ? "s" : "") + ")";
  }
}
