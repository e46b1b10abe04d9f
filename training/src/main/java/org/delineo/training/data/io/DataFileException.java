package org.delineo.training.data.io;

import java.nio.file.Path;
import org.delineo.graph.DelineoException;

/**
 * A data file (image, volume, array) that cannot be read or written: missing, truncated, corrupt,
 * or of a kind the reader does not support. The message starts with the file's path and says what
 * is wrong.
 */
public class DataFileException extends DelineoException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public DataFileException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public DataFileException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /** The file the error is about. */
  public Path file() {
    return file;
  }
}
