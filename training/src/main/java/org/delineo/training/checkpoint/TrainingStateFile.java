package org.delineo.training.checkpoint;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;
import org.delineo.proto.TrainingState;

/**
 * Reads and writes a {@link TrainingState} as protobuf text ({@code state.pbtxt}) next to a
 * checkpoint's variables, so it can be inspected and, if need be, edited by hand.
 */
public final class TrainingStateFile {
  /** The state's file name inside a checkpoint directory. */
  public static final String FILE_NAME = "state.pbtxt";

  private TrainingStateFile() {}

  /** The state file of checkpoint directory {@code checkpoint}. */
  public static Path in(Path checkpoint) {
    return checkpoint.resolve(FILE_NAME);
  }

  /** The state as protobuf text. */
  public static String toText(TrainingState state) {
    return TextFormat.printer().printToString(state);
  }

  /**
   * Writes {@code state} to {@code file} atomically and durably ({@link SafeFiles}).
   *
   * @throws DelineoException naming the file when it cannot be written
   */
  public static void write(Path file, TrainingState state) {
    try {
      SafeFiles.durable().writeString(file, toText(state));
    } catch (IOException e) {
      throw new DelineoException("cannot write training state " + file + ": " + e, e);
    }
  }

  /**
   * Reads the state in {@code file}.
   *
   * @throws DelineoException naming the file when it is missing, not UTF-8 text, or not a
   *     text-format TrainingState (the parser's line:column and reason are included)
   */
  public static TrainingState read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DelineoException("training state " + file + " not found; expected the "
          + FILE_NAME + " written with each checkpoint");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (CharacterCodingException e) {
      throw new DelineoException("training state " + file
          + " is not UTF-8 text; expected a text-format TrainingState", e);
    } catch (IOException e) {
      throw new DelineoException("cannot read training state " + file + ": " + e, e);
    }
    TrainingState.Builder builder = TrainingState.newBuilder();
    try {
      TextFormat.merge(text, builder);
    } catch (TextFormat.ParseException e) {
      throw new DelineoException("training state " + file + " is corrupt: expected a text-format"
          + " TrainingState, found an error at " + e.getMessage(), e);
    }
    return builder.build();
  }
}
