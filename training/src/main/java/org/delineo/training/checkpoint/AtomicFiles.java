package org.delineo.training.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/** File operations that never leave a half-written file under its final name. */
final class AtomicFiles {
  /** Names starting with this are unfinished work; a checkpoint directory ignores and removes them. */
  static final String TEMPORARY_PREFIX = ".tmp-";

  private AtomicFiles() {}

  /** A fresh temporary name in {@code dir}, e.g. {@code .tmp-ckpt-40-1f3a...}. */
  static Path temporarySibling(Path dir, String what) {
    return dir.resolve(TEMPORARY_PREFIX + what + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
  }

  /**
   * Writes {@code text} to a temporary file next to {@code target}, then renames it over
   * {@code target} in one step: readers see the old or the new content, never a mixture.
   */
  static void writeText(Path target, String text) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = temporarySibling(dir, target.getFileName().toString());
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      // On POSIX an atomic move is rename(2), which replaces an existing target atomically.
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Deletes a file or a directory tree; missing paths are fine. */
  static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        deleteIfPresent(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        deleteIfPresent(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void deleteIfPresent(Path p) throws IOException {
    try {
      Files.deleteIfExists(p);
    } catch (NoSuchFileException ignored) {
      // Deleted concurrently: the goal is reached.
    }
  }
}
