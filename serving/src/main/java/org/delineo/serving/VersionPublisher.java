package org.delineo.serving;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;

/**
 * Publishes one version directory of a TF Serving model: chooses its number, has the caller fill a
 * staging directory {@code <modelDir>/.tmp-<model>-<random>}, fsyncs every file written there
 * (TensorFlow's SavedModel writer is not relied on to) and the directories, and only then renames
 * it atomically to {@code <modelDir>/<version>} and fsyncs the model directory ({@link
 * SafeFiles#publishDirectory}). TF Serving ignores the non-integer staging name, so it never sees a
 * half-written version, and a version that has appeared survives a power cut whole; the serving
 * config naming it is written after the publish returns.
 *
 * <p>Concurrent publishers into one model directory get distinct versions: an automatic number
 * taken by another publisher between choosing and renaming is skipped for the next free one. A
 * version directory is never replaced or merged into: the rename only targets a name that does
 * not exist, and a rename onto a (non-empty) version created meanwhile fails. A failed publish
 * leaves no new directory behind (neither the staging directory nor a base or model directory it
 * created).
 */
final class VersionPublisher {
  /** Fills the staging directory with the version's complete contents. */
  @FunctionalInterface
  interface Contents {
    void writeInto(Path staging) throws IOException;
  }

  private LongConsumer beforeRename = v -> {};

  /** Test hook: called with the chosen version right before each rename attempt. */
  void onBeforeRename(LongConsumer hook) {
    this.beforeRename = hook;
  }

  /**
   * Writes {@code contents} as a new version of {@code modelDir} and returns its directory.
   *
   * @param version the version number, or null for the highest existing one plus 1 (1 if none)
   * @throws DelineoException if {@code version} exists or writing fails
   */
  Path publish(Path modelDir, String modelName, Long version, Contents contents) {
    List<Path> created = createDirectories(modelDir);
    Path staging = null;
    boolean moved = false;
    try {
      staging = createStaging(modelDir, modelName);
      contents.writeInto(staging);
      Path target = moveIntoPlace(staging, modelDir, modelName, version);
      moved = true;
      return target;
    } catch (IOException e) {
      throw new DelineoException("exporting model '" + modelName + "' into " + modelDir + " failed: "
          + e.getMessage(), e);
    } finally {
      if (!moved) {
        if (staging != null) {
          // Best effort: a leftover staging directory is not a version and TF Serving ignores it.
          SafeFiles.deleteTreeQuietly(staging);
        }
        removeIfEmpty(created);
      }
    }
  }

  /**
   * Renames the complete staging directory to its version; an automatic version taken meanwhile by
   * another exporter moves on to the next free number. Linux's rename(2) silently replaces an
   * empty directory, so the target must not exist at all; onto a non-empty one it fails, and the
   * loser of a race sees the winner's version on disk.
   */
  private Path moveIntoPlace(Path staging, Path modelDir, String modelName, Long version) throws IOException {
    long v = version != null ? version : ModelVersions.next(modelDir);
    while (true) {
      Path target = modelDir.resolve(Long.toString(v));
      beforeRename.accept(v);
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        try {
          // Synced, then one rename(2) on the same file system: the version appears complete or
          // not at all, and stays once it has appeared.
          SafeFiles.durable().publishDirectory(staging, target);
          return target;
        } catch (FileSystemException e) {
          // ENOTEMPTY (a plain FileSystemException) or EEXIST (FileAlreadyExistsException, also
          // from publishDirectory's own check): someone else took the name.
          if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw e;
          }
        }
      }
      if (version != null) {
        checkFree(target, modelName, v);
      }
      v = Math.max(v + 1, ModelVersions.next(modelDir));
    }
  }

  /** Refuses an existing version directory: versions are never overwritten. */
  static void checkFree(Path target, String modelName, long v) {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new DelineoException("version " + v + " of model '" + modelName + "' already exists at "
          + target + "; versions are never overwritten");
    }
  }

  /** Creates {@code dir} and any missing parents; returns those it created, outermost first. */
  private static List<Path> createDirectories(Path dir) {
    List<Path> missing = new ArrayList<>();
    for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) {
      missing.add(0, p);
    }
    try {
      SafeFiles.durable().createDirectories(dir);
    } catch (IOException e) {
      removeIfEmpty(missing);
      throw new DelineoException("cannot create export directory " + dir + ": " + e.getMessage(), e);
    }
    return missing;
  }

  /**
   * Removes the directories an export created, innermost first, where still empty: a concurrent
   * exporter may have put its own version or staging directory there meanwhile.
   */
  private static void removeIfEmpty(List<Path> created) {
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        Files.deleteIfExists(created.get(i));
      } catch (IOException e) {
        return; // not empty (or not ours to remove): the directories above it stay too
      }
    }
  }

  /** A fresh staging directory in the model directory: same file system, so the rename is atomic. */
  private static Path createStaging(Path modelDir, String modelName) {
    try {
      return SafeFiles.durable().createStagingDirectory(modelDir, modelName);
    } catch (IOException e) {
      throw new DelineoException(
          "cannot create a staging directory in " + modelDir + ": " + e.getMessage(), e);
    }
  }

}
