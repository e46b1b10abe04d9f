package org.delineo.serving.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory (VmRSS of /proc/self/status): Java heap, TensorFlow's native
 * buffers and everything else together, which is what a leak of either shows up in.
 */
public final class ResidentMemory {
  private ResidentMemory() {}

  /** Current resident memory in bytes, or -1 where /proc/self/status is unavailable (not Linux). */
  public static long bytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          // "VmRSS:	  123456 kB"
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
