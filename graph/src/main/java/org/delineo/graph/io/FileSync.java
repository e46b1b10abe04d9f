package org.delineo.graph.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Forces a file's content, or a directory's list of entries, to the storage device, so that it
 * survives a power cut and not just a crashed process. {@link SafeFiles} calls it at each point
 * where durability matters; a test passes a recording one to see which paths were synced, and in
 * what order relative to other writes.
 */
@FunctionalInterface
public interface FileSync {
  /** fsync(2) of a regular file or a directory. */
  FileSync FSYNC = FileSync::fsync;

  /**
   * Makes what was written to {@code path} (a regular file's bytes, or a directory's entries:
   * files created, renamed or removed in it) durable.
   */
  void sync(Path path) throws IOException;

  /**
   * fsync(2) through a channel of its own: Linux syncs the inode, so a channel other than the one
   * that wrote still makes the writer's data durable. A directory is opened for reading (it cannot
   * be opened for writing); a file for writing, which some platforms need to flush it.
   */
  private static void fsync(Path path) throws IOException {
    boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    try (FileChannel channel = FileChannel.open(path,
        directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      channel.force(true);
    } catch (IOException e) {
      // Windows cannot open a directory to sync it; there is no directory fsync to call.
      if (!(directory && isWindows())) {
        throw e;
      }
    }
  }

  private static boolean isWindows() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
  }
}
