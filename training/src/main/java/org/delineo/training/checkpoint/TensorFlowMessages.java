package org.delineo.training.checkpoint;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns TensorFlow's error texts into what a user needs. TensorFlow appends to the cause the node
 * that failed ({@code [[{{node save/Save}}]]}) and, for every RESOURCE_EXHAUSTED status (a full
 * disk included), a hint about tensor allocations on out-of-memory that does not apply; only the
 * first line says what went wrong.
 */
public final class TensorFlowMessages {
  private static final Pattern NODE = Pattern.compile("\\s*\\[\\[\\{\\{node [^}]*}}]]");
  /** strerror(ENOSPC), as both TensorFlow's file system and Java's I/O report it. */
  private static final String NO_SPACE = "no space left on device";

  private TensorFlowMessages() {}

  /** The first non-blank line of {@code message} without node decorations, or "" for null. */
  public static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    for (String line : message.split("\\R")) {
      String clean = NODE.matcher(line).replaceAll("").strip();
      if (!clean.isEmpty()) {
        return clean;
      }
    }
    return "";
  }

  /** Whether {@code e} or one of its causes reports a full device (ENOSPC). */
  public static boolean isNoSpace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains(NO_SPACE)) {
        return true;
      }
    }
    return false;
  }
}
