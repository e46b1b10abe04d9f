package org.delineo.training.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.stream.Collectors;

/** Wording shared by configuration error messages: what a field expects, which names are valid. */
final class FieldTypes {
  private FieldTypes() {}

  /** What a value of {@code field} must look like, e.g. "a float" or "one of SOBEL, MORPH". */
  static String expected(FieldDescriptor field) {
    switch (field.getJavaType()) {
      case INT:
        return "an integer";
      case LONG:
        return "a 64-bit integer";
      case FLOAT:
      case DOUBLE:
        return "a float";
      case BOOLEAN:
        return "true or false";
      case STRING:
      case BYTE_STRING:
        return "a string";
      case ENUM:
        return "one of " + enumNames(field);
      case MESSAGE:
        return "a " + field.getMessageType().getName() + " message in braces, e.g. {"
            + exampleField(field.getMessageType()) + "}";
      default:
        throw new AssertionError("unhandled protobuf type " + field.getJavaType());
    }
  }

  /** The valid value names of an enum field, comma separated, in declaration order. */
  static String enumNames(FieldDescriptor field) {
    return field.getEnumType().getValues().stream()
        .map(EnumValueDescriptor::getName)
        .collect(Collectors.joining(", "));
  }

  /** The field names of a message type, comma separated, in declaration order. */
  static String fieldNames(Descriptor type) {
    return type.getFields().stream()
        .map(FieldDescriptor::getName)
        .collect(Collectors.joining(", "));
  }

  /**
   * The sentence an error uses for a name that {@code type} does not have; for a field removed
   * from the schema, why it went.
   */
  static String unknownField(String path, Descriptor type) {
    var removed = RemovedFields.at(path);
    if (removed.isPresent()) {
      return removed.get().message();
    }
    return "unknown field '" + path + "'; valid fields of " + type.getName() + ": "
        + (type.getFields().isEmpty() ? "(none)" : fieldNames(type));
  }

  private static String exampleField(Descriptor type) {
    return type.getFields().isEmpty() ? "" : type.getFields().get(0).getName() + ": ...";
  }
}
