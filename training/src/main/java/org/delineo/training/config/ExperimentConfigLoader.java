package org.delineo.training.config;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.delineo.proto.ExperimentConfig;

/**
 * Reads experiment files (protobuf text format), applies {@code field.path=value} overrides in
 * order, and prints the resolved config back as text for the run directory.
 *
 * <p>Parsing is strict: an unknown field, a singular field given twice or two members of one
 * oneof are errors, reported as {@code file:line:column: field 'a.b': expected ..., found ...}.
 */
public final class ExperimentConfigLoader {
  private static final TextFormat.Printer PRINTER = TextFormat.printer().escapingNonAscii(false);

  private ExperimentConfigLoader() {}

  /**
   * Reads {@code file} and applies {@code overrides} in order.
   *
   * @throws ConfigException when the file is missing or unreadable, is not valid text format
   *     for {@link ExperimentConfig}, or an override is bad
   */
  public static ExperimentConfig load(Path file, List<String> overrides) {
    return applyOverrides(parse(read(file), file.toString()), overrides);
  }

  /**
   * Parses text-format {@code text}; {@code sourceName} (usually the file name) starts every
   * error message.
   */
  public static ExperimentConfig parse(String text, String sourceName) {
    ExperimentConfig.Builder builder = ExperimentConfig.newBuilder();
    TextFormatReader.merge(text, builder, "",
        (line, column) -> sourceName + ":" + line + ":" + column + ": ");
    return builder.build();
  }

  /** Applies {@code field.path=value} overrides in order; later ones win. */
  public static ExperimentConfig applyOverrides(ExperimentConfig config, List<String> overrides) {
    ExperimentConfig result = config;
    for (String override : overrides) {
      result = ConfigOverride.parse(override).applyTo(result);
    }
    return result;
  }

  /** The config in text format; {@link #parse} reads it back to an equal message. */
  public static String toText(ExperimentConfig config) {
    return PRINTER.printToString(config);
  }

  /**
   * The config with every unset scalar of every present message set to its schema default, so the
   * resolved config a run records shows the values actually used. Absent messages stay absent:
   * some (e.g. {@code loss.ohem}) switch a feature on by their presence.
   */
  public static ExperimentConfig withExplicitDefaults(ExperimentConfig config) {
    return (ExperimentConfig) fillDefaults(config);
  }

  private static Message fillDefaults(Message message) {
    Message.Builder b = message.toBuilder();
    for (FieldDescriptor f : message.getDescriptorForType().getFields()) {
      if (f.isRepeated()) {
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          for (int i = 0; i < message.getRepeatedFieldCount(f); i++) {
            b.setRepeatedField(f, i, fillDefaults((Message) message.getRepeatedField(f, i)));
          }
        }
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (message.hasField(f)) {
          b.setField(f, fillDefaults((Message) message.getField(f)));
        }
      } else if (!message.hasField(f) && f.getContainingOneof() == null) {
        b.setField(f, f.getDefaultValue());
      }
    }
    return b.build();
  }

  private static String read(Path file) {
    if (!Files.exists(file)) {
      throw new ConfigException("config file not found: " + file + where(file));
    }
    if (Files.isDirectory(file)) {
      throw new ConfigException("config file " + file + where(file)
          + " is a directory; expected a text-format experiment file (.pbtxt)");
    }
    try {
      // Strict decoding: a binary or mis-encoded file is reported, not silently mangled.
      return StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException("config file " + file + where(file)
          + " is not UTF-8 text; expected a text-format experiment file (.pbtxt)", e);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + where(file) + ": " + e, e);
    }
  }

  private static String where(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    return absolute.toString().equals(file.toString()) ? "" : " (" + absolute + ")";
  }
}
