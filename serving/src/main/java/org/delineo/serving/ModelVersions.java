package org.delineo.serving;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The integer version directories of a TF Serving model directory ({@code <base>/<model>/<n>}).
 * Names that are not plain non-negative integers (staging directories, files) are not versions,
 * as for TF Serving's file-system poller.
 */
public final class ModelVersions {
  private ModelVersions() {}

  /** The highest version under {@code modelDir}, empty if none (or the directory is missing). */
  public static OptionalLong latest(Path modelDir) {
    if (!Files.isDirectory(modelDir)) {
      return OptionalLong.empty();
    }
    try (Stream<Path> entries = Files.list(modelDir)) {
      return entries
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(ModelVersions::isVersionName)
          .mapToLong(Long::parseLong)
          .max();
    } catch (IOException e) {
      throw new UncheckedIOException("listing model versions in " + modelDir, e);
    }
  }

  /** Every version under {@code modelDir}, ascending; empty if none (or the directory is missing). */
  public static List<Long> all(Path modelDir) {
    if (!Files.isDirectory(modelDir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(modelDir)) {
      return entries
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(ModelVersions::isVersionName)
          .map(Long::parseLong)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing model versions in " + modelDir, e);
    }
  }

  /** The version the next export gets: the highest existing one plus 1, or 1. */
  public static long next(Path modelDir) {
    OptionalLong latest = latest(modelDir);
    return latest.isPresent() ? latest.getAsLong() + 1 : 1;
  }

  /** Whether a directory name is a version: decimal digits that fit a long. */
  static boolean isVersionName(String name) {
    if (name.isEmpty() || name.length() > 18) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
