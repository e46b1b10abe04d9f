package org.delineo.training.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code field.path=value} override from the command line ({@code --set}), applied to a
 * config message after the file is read.
 *
 * <p>Paths walk nested messages ({@code optimizer.sgd.momentum}), creating sub-messages as
 * needed; naming a member of a oneof selects it. Repeated messages take an index
 * ({@code loss.terms[1].weight}; the index equal to the size appends). Values: scalars of every
 * type (enums by name in any case, strings with or without quotes), comma lists for repeated
 * scalars ({@code 512,512} or {@code [512, 512]}, replacing the list) and messages in text form
 * ({@code optimizer.sgd={momentum: 0.95}}, replacing the message).
 */
public final class ConfigOverride {
  private static final Pattern SEGMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?:\\[(\\d+)])?");
  private static final String FORM = "field.path=value, e.g. optimizer.lr=0.01";

  private record Segment(String name, int index) {
    boolean indexed() {
      return index >= 0;
    }
  }

  private final String spec;
  private final List<Segment> segments;
  private final String value;

  private ConfigOverride(String spec, List<Segment> segments, String value) {
    this.spec = spec;
    this.segments = segments;
    this.value = value;
  }

  /**
   * Parses {@code field.path=value}.
   *
   * @throws ConfigException when the '=' is missing or the path is malformed
   */
  public static ConfigOverride parse(String spec) {
    int equals = spec.indexOf('=');
    if (equals < 0) {
      throw new ConfigException("override '" + spec + "': expected the form " + FORM
          + ", found no '='");
    }
    String path = spec.substring(0, equals).trim();
    List<Segment> segments = new ArrayList<>();
    for (String part : path.split("\\.", -1)) {
      Matcher matcher = SEGMENT.matcher(part.trim());
      if (!matcher.matches()) {
        throw new ConfigException("override '" + spec + "': malformed field path '" + path
            + "'; expected field names separated by dots, each optionally indexed, e.g. "
            + "loss.terms[1].weight");
      }
      int index = matcher.group(2) == null ? -1 : Integer.parseInt(matcher.group(2));
      segments.add(new Segment(matcher.group(1), index));
    }
    return new ConfigOverride(spec, List.copyOf(segments), spec.substring(equals + 1).trim());
  }

  /** The field path as written, e.g. {@code loss.terms[1].weight}. */
  public String path() {
    StringBuilder path = new StringBuilder();
    for (Segment segment : segments) {
      appendSegment(path, segment);
    }
    return path.toString();
  }

  /** The value text after '=', trimmed. */
  public String value() {
    return value;
  }

  /**
   * Returns a copy of {@code message} with this override applied.
   *
   * @throws ConfigException naming the field, what it expects and what was found
   */
  @SuppressWarnings("unchecked")
  public <M extends Message> M applyTo(M message) {
    return (M) apply(message, 0, "");
  }

  @Override
  public String toString() {
    return spec;
  }

  private Message apply(Message message, int depth, String parentPath) {
    Segment segment = segments.get(depth);
    Descriptor type = message.getDescriptorForType();
    String path = parentPath.isEmpty() ? segment.name() : parentPath + "." + segment.name();
    FieldDescriptor field = type.findFieldByName(segment.name());
    if (field == null) {
      throw error(FieldTypes.unknownField(path, type));
    }
    if (segment.indexed() && !field.isRepeated()) {
      throw error("field '" + path + "' is not repeated; remove the index [" + segment.index()
          + "]");
    }
    Message.Builder builder = message.toBuilder();
    if (depth == segments.size() - 1) {
      setValue(builder, field, segment, parentPath);
      return builder.build();
    }
    String next = segments.get(depth + 1).name();
    if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      throw error("field '" + path + "' expects " + FieldTypes.expected(field)
          + "; it has no field '" + next + "'");
    }
    if (!field.isRepeated()) {
      // An unset field reads as its default instance; setting it marks it present and, inside a
      // oneof, selects it.
      Message child = (Message) message.getField(field);
      builder.setField(field, apply(child, depth + 1, path));
      return builder.build();
    }
    if (!segment.indexed()) {
      throw error("field '" + path + "' is repeated; give an index, e.g. " + path + "[0]." + next);
    }
    int size = message.getRepeatedFieldCount(field);
    String indexedPath = path + "[" + segment.index() + "]";
    checkIndex(segment.index(), size, path);
    if (segment.index() < size) {
      Message child = (Message) message.getRepeatedField(field, segment.index());
      builder.setRepeatedField(field, segment.index(), apply(child, depth + 1, indexedPath));
    } else {
      Message child = builder.newBuilderForField(field).build();
      builder.addRepeatedField(field, apply(child, depth + 1, indexedPath));
    }
    return builder.build();
  }

  private void setValue(Message.Builder builder, FieldDescriptor field, Segment segment,
      String parentPath) {
    String path = parentPath.isEmpty() ? field.getName() : parentPath + "." + field.getName();
    boolean isMessage = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
    if (field.isRepeated() && segment.indexed()) {
      int size = builder.getRepeatedFieldCount(field);
      checkIndex(segment.index(), size, path);
      String indexedPath = path + "[" + segment.index() + "]";
      Object element = isMessage
          ? parseMessage(builder, field, indexedPath, parentPath)
          : parseScalar(field, value, indexedPath);
      if (segment.index() < size) {
        builder.setRepeatedField(field, segment.index(), element);
      } else {
        builder.addRepeatedField(field, element);
      }
    } else if (field.isRepeated()) {
      List<Object> elements = isMessage ? parseMessageList(builder, field, path, parentPath)
          : parseScalarList(field, path);
      builder.clearField(field);
      for (Object element : elements) {
        builder.addRepeatedField(field, element);
      }
    } else if (isMessage) {
      builder.setField(field, parseMessage(builder, field, path, parentPath));
    } else {
      builder.setField(field, parseScalar(field, value, path));
    }
  }

  private Object parseScalar(FieldDescriptor field, String text, String path) {
    Optional<Object> parsed = ScalarValues.parse(field, text, ScalarValues.Syntax.OVERRIDE);
    return parsed.orElseThrow(() -> error("field '" + path + "': expected "
        + FieldTypes.expected(field) + ", found \"" + text.trim() + "\""));
  }

  private List<Object> parseScalarList(FieldDescriptor field, String path) {
    String text = value;
    if (text.startsWith("[") || text.endsWith("]")) {
      if (!(text.startsWith("[") && text.endsWith("]"))) {
        throw error("field '" + path + "': expected a comma-separated list, optionally in "
            + "brackets, e.g. [1, 2], found \"" + text + "\"");
      }
      text = text.substring(1, text.length() - 1);
    }
    List<Object> elements = new ArrayList<>();
    if (text.isBlank()) {
      return elements;
    }
    List<String> items = splitOutsideQuotes(text);
    for (int i = 0; i < items.size(); i++) {
      elements.add(parseScalar(field, items.get(i), path + "[" + i + "]"));
    }
    return elements;
  }

  // A single message: the value must be in braces; it replaces the field's current message.
  private Message parseMessage(Message.Builder parent, FieldDescriptor field, String path,
      String parentPath) {
    if (!(value.startsWith("{") || value.startsWith("<"))) {
      throw error("field '" + path + "': expected " + FieldTypes.expected(field) + ", found \""
          + value + "\"");
    }
    Message.Builder holder = parseIntoHolder(parent, field, parentPath);
    return field.isRepeated()
        ? (Message) holder.getRepeatedField(field, 0)
        : (Message) holder.getField(field);
  }

  // A whole repeated message field: "[{...}, {...}]", "[]" or a single "{...}".
  private List<Object> parseMessageList(Message.Builder parent, FieldDescriptor field,
      String path, String parentPath) {
    if (!(value.startsWith("[") || value.startsWith("{") || value.startsWith("<"))) {
      throw error("field '" + path + "': expected a list of " + field.getMessageType().getName()
          + " messages in text form, e.g. [{...}, {...}], or an index, e.g. " + path
          + "[0].<field>=value; found \"" + value + "\"");
    }
    Message.Builder holder = parseIntoHolder(parent, field, parentPath);
    List<Object> elements = new ArrayList<>();
    for (int i = 0; i < holder.getRepeatedFieldCount(field); i++) {
      elements.add(holder.getRepeatedField(field, i));
    }
    return elements;
  }

  // Lets the text-format parser read "name: value" into an empty message of the parent's type,
  // so message values get the same strict parsing and error messages as files.
  private Message.Builder parseIntoHolder(Message.Builder parent, FieldDescriptor field,
      String parentPath) {
    Message.Builder holder = parent.getDefaultInstanceForType().newBuilderForType();
    String text = field.getName() + ": " + value;
    TextFormatReader.merge(text, holder, parentPath, (line, column) -> "override '" + spec + "': ");
    return holder;
  }

  private void checkIndex(int index, int size, String path) {
    if (index > size) {
      String valid = size == 0 ? "it is empty; index 0 appends"
          : "valid indices are 0.." + (size - 1) + ", and " + size + " appends";
      throw error("index " + index + " out of range for '" + path + "': " + valid);
    }
  }

  private ConfigException error(String detail) {
    return new ConfigException("override '" + spec + "': " + detail);
  }

  private static void appendSegment(StringBuilder path, Segment segment) {
    if (path.length() > 0) {
      path.append('.');
    }
    path.append(segment.name());
    if (segment.indexed()) {
      path.append('[').append(segment.index()).append(']');
    }
  }

  private static List<String> splitOutsideQuotes(String text) {
    List<String> items = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == '\\' && i + 1 < text.length()) {
          current.append(c).append(text.charAt(++i));
          continue;
        }
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == ',') {
        items.add(current.toString().trim());
        current.setLength(0);
        continue;
      }
      current.append(c);
    }
    items.add(current.toString().trim());
    return items;
  }
}
