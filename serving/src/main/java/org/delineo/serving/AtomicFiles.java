package org.delineo.serving;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Replaces a file in one rename, so a server polling it (e.g. {@code
 * --model_config_file_poll_wait_seconds}) never reads a half-written config.
 */
final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code text} (UTF-8) to a temporary file beside {@code target}, then renames it. */
  static void writeString(Path target, String text) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".tmp-" + target.getFileName() + "-", "");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
