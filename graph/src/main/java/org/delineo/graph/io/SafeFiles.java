package org.delineo.graph.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one way Delineo writes files that must never be seen half-written, nor be lost or torn by a
 * power cut once a call has returned: checkpoints, exports, the serving config, tables, metrics
 * and data files.
 *
 * <p>A file ({@link #write(Path, Content)}) is written to a temporary sibling, synced, renamed over
 * its target in one step (rename(2) replaces atomically) and then its directory is synced, so that
 * the rename itself is on disk. A reader, a crash or a power cut sees the old content or the new,
 * never a mixture; after the call returns, the new content stays.
 *
 * <p>A directory is staged under a temporary sibling name ({@link #createStagingDirectory}),
 * filled, and {@link #publishDirectory published}: every file and directory in it synced, renamed to
 * its final name, its parent synced. Trees written by others (TensorFlow's saver and SavedModel
 * writer, which are not relied on to fsync) become durable the same way ({@link #syncTree}).
 *
 * <p>Temporaries are named {@value #TEMPORARY_PREFIX}{@code <name>-<random>}: hidden, and never a
 * final name (a TF Serving version is an integer, a checkpoint {@code ckpt-<step>}), so the owner of
 * a directory can recognise and remove what a crash left behind.
 *
 * <p>Instances differ only in how they sync ({@link FileSync}): {@link #durable()} everywhere, a
 * recording one in tests that check the order of syncs and writes. Deleting needs no sync and is
 * static.
 */
public final class SafeFiles {
  /** Names starting with this are unfinished work: a temporary file or a staged directory. */
  public static final String TEMPORARY_PREFIX = ".tmp-";

  /** Produces a file's content into a stream (which it may close: that only flushes it). */
  @FunctionalInterface
  public interface Content {
    /** Writes the whole content to {@code out}. */
    void writeTo(OutputStream out) throws IOException;
  }

  private static final SafeFiles DURABLE = new SafeFiles(FileSync.FSYNC);
  /** Few syscalls for content written in small pieces (a table row, a PNG chunk). */
  private static final int BUFFER_BYTES = 1 << 16;

  private final FileSync sync;

  private SafeFiles(FileSync sync) {
    this.sync = sync;
  }

  /** Files synced with fsync(2): what every caller outside tests uses. */
  public static SafeFiles durable() {
    return DURABLE;
  }

  /** Files synced through {@code sync}, e.g. one that records the paths in a test. */
  public static SafeFiles syncingWith(FileSync sync) {
    return new SafeFiles(sync);
  }

  /** {@link #write(Path, Content)} of {@code bytes}. */
  public void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** {@link #write(Path, Content)} of {@code text} as UTF-8. */
  public void writeString(Path target, String text) throws IOException {
    write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Replaces {@code target} with what {@code content} writes, atomically and durably (see the class
   * comment), creating missing parent directories. When {@code content} or any step fails, the
   * previous {@code target} is untouched and no temporary file is left.
   */
  public void write(Path target, Content content) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    createDirectories(dir);
    // Same directory as the target, so the rename never crosses file systems.
    Path tmp = temporarySibling(dir, absolute.getFileName().toString());
    boolean renamed = false;
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES) {
          @Override
          public void close() throws IOException {
            // Content may close the stream to finish it (a GZIPOutputStream does); the file is
            // synced after writing, so closing here only flushes.
            flush();
          }
        };
        content.writeTo(out);
        out.flush();
      }
      sync.sync(tmp);
      // rename(2): replaces an existing target in one step.
      Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
      renamed = true;
      sync.sync(dir);
    } finally {
      if (!renamed) {
        deleteTreeQuietly(tmp);
      }
    }
  }

  /**
   * Creates {@code dir} and any missing parents, syncing the directory each was created in, so
   * that what is published inside them later is reachable after a power cut.
   */
  public void createDirectories(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath();
    List<Path> missing = new ArrayList<>();
    for (Path p = absolute; p != null && !Files.exists(p); p = p.getParent()) {
      missing.add(0, p);
    }
    Files.createDirectories(absolute);
    for (Path created : missing) {
      sync.sync(created.getParent());
    }
  }

  /**
   * Creates an empty staging directory {@value #TEMPORARY_PREFIX}{@code <what>-<random>} in
   * {@code parent} (which must exist), to be filled and then {@link #publishDirectory published}
   * within {@code parent}.
   */
  public Path createStagingDirectory(Path parent, String what) throws IOException {
    return Files.createDirectory(temporarySibling(parent, what));
  }

  /**
   * Publishes the complete {@code staging} directory as {@code target}, a name in the same parent:
   * syncs every file and directory of it, renames it in one step and syncs the parent. Readers see
   * no {@code target} or a complete one, and once this returns a power cut cannot take it back.
   *
   * @throws FileAlreadyExistsException when {@code target} exists (it is never replaced or merged
   *     into; Linux's rename(2) would silently replace an empty directory)
   */
  public void publishDirectory(Path staging, Path target) throws IOException {
    syncTree(staging);
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(target.toString());
    }
    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    sync.sync(target.toAbsolutePath().getParent());
  }

  /**
   * Syncs every regular file under {@code root}, then every directory (each after its entries), so
   * that the whole tree written so far, e.g. by TensorFlow, survives a power cut. Symbolic links
   * are not followed.
   */
  public void syncTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          sync.sync(file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        sync.sync(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** A fresh temporary name in {@code dir}, e.g. {@code .tmp-ckpt-40-1f3a9c}; nothing is created. */
  public static Path temporarySibling(Path dir, String what) {
    return dir.resolve(TEMPORARY_PREFIX + what + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
  }

  /**
   * Deletes a file or a directory tree as far as it can, ignoring what fails: for temporaries and
   * scratch folders, where a leftover is harmless (its owner removes what carries
   * {@value #TEMPORARY_PREFIX} on its next run). Missing paths are fine; symbolic links are removed,
   * not followed.
   */
  public static void deleteTreeQuietly(Path path) {
    try {
      Files.walkFileTree(path, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          deleteQuietly(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          // Missing (deleted concurrently, or never there) or unreadable: nothing to do here.
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) {
          deleteQuietly(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // The visitor throws nothing; kept quiet like the rest.
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // Not empty (an entry could not be deleted) or not permitted: left behind, as documented.
    }
  }
}
