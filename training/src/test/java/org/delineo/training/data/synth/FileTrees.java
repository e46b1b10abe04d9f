package org.delineo.training.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Compares folders of generated files byte by byte. */
final class FileTrees {
  private FileTrees() {}

  /** Relative paths of all regular files under {@code root}, sorted. */
  static List<String> files(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] bytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void assertIdentical(Path a, Path b) {
    List<String> names = files(a);
    assertEquals(names, files(b), "same file names");
    for (String name : names) {
      assertArrayEquals(bytes(a.resolve(name)), bytes(b.resolve(name)), name + " byte-identical");
    }
  }

  /** Number of files present in both trees whose bytes differ. */
  static int differing(Path a, Path b) {
    int count = 0;
    for (String name : files(a)) {
      Path other = b.resolve(name);
      if (Files.exists(other) && !java.util.Arrays.equals(bytes(a.resolve(name)), bytes(other))) {
        count++;
      }
    }
    return count;
  }
}
