package org.delineo.training.data.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file atomically: the content goes to a temporary file in the target's directory, is
 * flushed to disk, and is then renamed onto the target. A reader (or a crash) therefore sees either
 * the old file or the complete new one, never a partial write.
 */
public final class AtomicFiles {

  /** Produces a file's content into a stream. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /** Writes {@code bytes} to {@code target} atomically, creating missing parent directories. */
  public static void write(Path target, byte[] bytes) {
    write(target, out -> out.write(bytes));
  }

  /**
   * Writes what {@code content} produces to {@code target} atomically, creating missing parent
   * directories.
   *
   * @throws DataFileException naming the target when the write or the rename fails
   */
  public static void write(Path target, Content content) {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      // Same directory as the target so that the rename never crosses file systems.
      tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        // Content may close the stream it is given (e.g. a GZIPOutputStream to finish it); the
        // channel must stay open for force(), so closing the wrapper only flushes.
        OutputStream out =
            new FilterOutputStream(Channels.newOutputStream(channel)) {
              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                this.out.write(b, off, len);
              }

              @Override
              public void close() throws IOException {
                flush();
              }
            };
        content.writeTo(out);
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new DataFileException(target, "cannot write file: " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // The original failure is the one worth reporting.
        }
      }
    }
  }
}
