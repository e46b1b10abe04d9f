package org.delineo.serving;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.delineo.graph.DelineoException;

/**
 * An exclusive lock on the config files of an export base directory, so that read-merge-write
 * updates of {@code models.config} by concurrent exporters do not lose one another's changes.
 *
 * <p>Between processes it is an OS file lock ({@link FileChannel#lock}) on the hidden file
 * {@value #FILE} in the base directory; the file stays (removing a lock file while another process
 * waits on it would let two holders in). Within one JVM, file locks are held per process, not per
 * thread, so threads first take an in-process lock per directory.
 */
final class ConfigFileLock {
  /** The lock file's name in the base directory (not a model directory: it is a hidden file). */
  static final String FILE = ".models.config.lock";

  private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

  private ConfigFileLock() {}

  /** Runs {@code action} holding the lock of {@code baseDir} (which must exist); returns its result. */
  static <T> T holding(Path baseDir, Supplier<T> action) {
    Path base = baseDir.toAbsolutePath().normalize();
    ReentrantLock local = IN_PROCESS.computeIfAbsent(base, b -> new ReentrantLock());
    local.lock();
    try (FileChannel channel = FileChannel.open(base.resolve(FILE), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock held = channel.lock()) {
      return action.get();
    } catch (IOException e) {
      throw new DelineoException("cannot lock " + base.resolve(FILE) + " to update the serving config: "
          + e.getMessage(), e);
    } finally {
      local.unlock();
    }
  }
}
