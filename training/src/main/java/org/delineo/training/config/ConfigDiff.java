package org.delineo.training.config;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The field-by-field differences between two messages of one type, found by protobuf reflection:
 * nested messages are compared field by field ({@code model.unet.channels}), repeated messages
 * element by element ({@code loss.terms[1].weight}), repeated scalars as whole lists. A field set
 * on one side only counts as a difference even when the other side's default equals the value,
 * since code may test its presence. A message present on one side only is reported as
 * {@code path: (unset) -> (set)}, followed by its fields that differ from their defaults.
 */
public final class ConfigDiff {
  private static final TextFormat.Printer PRINTER = TextFormat.printer().escapingNonAscii(false);
  private static final String UNSET = "(unset)";
  private static final String SET = "(set)";

  /**
   * One differing field.
   *
   * @param path dotted field path, with {@code [i]} for elements of repeated messages
   * @param before the value in the first message, in text format, or "(unset)" (or "(set)" for
   *     a message present on one side only)
   * @param after the value in the second message, likewise
   */
  public record Change(String path, String before, String after) {
    @Override
    public String toString() {
      return path + ": " + before + " -> " + after;
    }
  }

  private ConfigDiff() {}

  /**
   * Whether the change {@code path} is one of {@code fields} or lies below one of them (a field
   * of that message, or an element of that repeated field).
   */
  static boolean isUnder(String path, List<String> fields) {
    for (String f : fields) {
      if (path.equals(f) || path.startsWith(f + ".") || path.startsWith(f + "[")) {
        return true;
      }
    }
    return false;
  }

  /** The differences from {@code before} to {@code after}, in field-number order. */
  public static List<Change> between(Message before, Message after) {
    if (!before.getDescriptorForType().equals(after.getDescriptorForType())) {
      throw new IllegalArgumentException("cannot compare " + before.getDescriptorForType().getFullName()
          + " with " + after.getDescriptorForType().getFullName());
    }
    List<Change> changes = new ArrayList<>();
    compare("", before, after, false, changes);
    return changes;
  }

  private static void compare(String prefix, Message a, Message b, boolean byValue, List<Change> changes) {
    for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
      String path = prefix + f.getName();
      if (f.isRepeated()) {
        compareRepeated(path, f, a, b, changes);
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (a.hasField(f) != b.hasField(f)) {
          // Presence alone can switch a feature on (e.g. loss.ohem); the fields then differ from
          // the absent side's defaults.
          changes.add(new Change(path, a.hasField(f) ? SET : UNSET, b.hasField(f) ? SET : UNSET));
          compare(path + ".", (Message) a.getField(f), (Message) b.getField(f), true, changes);
        } else if (a.hasField(f)) {
          compare(path + ".", (Message) a.getField(f), (Message) b.getField(f), byValue, changes);
        }
      } else if (byValue || a.hasField(f) == b.hasField(f)) {
        if (!Objects.equals(a.getField(f), b.getField(f))) {
          changes.add(new Change(path, text(f, a.getField(f)), text(f, b.getField(f))));
        }
      } else {
        changes.add(new Change(path, a.hasField(f) ? text(f, a.getField(f)) : UNSET,
            b.hasField(f) ? text(f, b.getField(f)) : UNSET));
      }
    }
  }

  private static void compareRepeated(String path, FieldDescriptor f, Message a, Message b,
      List<Change> changes) {
    int na = a.getRepeatedFieldCount(f);
    int nb = b.getRepeatedFieldCount(f);
    if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      if (!a.getField(f).equals(b.getField(f))) {
        changes.add(new Change(path, list(f, a), list(f, b)));
      }
      return;
    }
    for (int i = 0; i < Math.max(na, nb); i++) {
      String element = path + "[" + i + "]";
      if (i < na && i < nb) {
        compare(element + ".", (Message) a.getRepeatedField(f, i), (Message) b.getRepeatedField(f, i), false,
            changes);
      } else {
        changes.add(new Change(element, i < na ? text(f, a.getRepeatedField(f, i)) : UNSET,
            i < nb ? text(f, b.getRepeatedField(f, i)) : UNSET));
      }
    }
  }

  private static String list(FieldDescriptor f, Message m) {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
      items.add(text(f, m.getRepeatedField(f, i)));
    }
    return "[" + String.join(", ", items) + "]";
  }

  /** A value as it would appear in a config file. */
  private static String text(FieldDescriptor f, Object value) {
    switch (f.getJavaType()) {
      case MESSAGE:
        String fields = PRINTER.shortDebugString((Message) value);
        return fields.isEmpty() ? "{}" : "{ " + fields + " }";
      case ENUM:
        return ((EnumValueDescriptor) value).getName();
      case STRING:
        return "\"" + TextFormat.escapeDoubleQuotesAndBackslashes((String) value) + "\"";
      default:
        return String.valueOf(value);
    }
  }
}
