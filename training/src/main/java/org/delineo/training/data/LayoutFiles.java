package org.delineo.training.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.delineo.graph.DelineoException;

/** File-system helpers shared by the dataset layouts. */
final class LayoutFiles {
  /** NIfTI extensions in order of preference. */
  static final List<String> NIFTI_EXTENSIONS = List.of(".nii.gz", ".nii");

  private LayoutFiles() {}

  /** Fails unless {@code root} is an existing directory. */
  static void requireDirectory(Path root, String layout) {
    if (!Files.isDirectory(root)) {
      throw new DelineoException(layout + " dataset root " + root + " is not a directory"
          + (Files.exists(root) ? "" : " (it does not exist)"));
    }
  }

  /** Sorted sub-directories, skipping hidden ones and the splits folder. */
  static List<Path> subdirectories(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      List<Path> result = new ArrayList<>();
      entries
          .filter(Files::isDirectory)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(p -> !p.getFileName().toString().equals(DatasetSplits.SPLITS_DIR))
          .forEach(result::add);
      Collections.sort(result);
      return result;
    } catch (IOException e) {
      throw new DelineoException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Sorted regular files directly in {@code dir}. */
  static List<Path> files(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      List<Path> result = new ArrayList<>();
      entries.filter(Files::isRegularFile).forEach(result::add);
      Collections.sort(result);
      return result;
    } catch (IOException e) {
      throw new DelineoException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The NIfTI file {@code dir/stem.nii.gz} or {@code dir/stem.nii}, whichever exists. */
  static Optional<Path> nifti(Path dir, String stem) {
    for (String ext : NIFTI_EXTENSIONS) {
      Path candidate = dir.resolve(stem + ext);
      if (Files.isRegularFile(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The file name without a NIfTI extension, or empty when it has none. */
  static Optional<String> niftiStem(Path file) {
    String name = file.getFileName().toString();
    for (String ext : NIFTI_EXTENSIONS) {
      if (name.endsWith(ext)) {
        return Optional.of(name.substring(0, name.length() - ext.length()));
      }
    }
    return Optional.empty();
  }
}
