package org.delineo.training.distribute;

import java.util.regex.Pattern;

/**
 * Turns TensorFlow's errors from a distributed step into one line. A remote or collective failure
 * arrives as several lines: {@code From /job:worker/replica:0/task:0:}, the cause, the node
 * ({@code [[{{node ...}}]]}), "Recent warning and error logs" and gRPC's JSON details; only the
 * cause says what went wrong.
 */
public final class WorkerFailure {
  private static final Pattern NODE = Pattern.compile("\\s*\\[\\[\\{\\{node [^}]*}}]]");
  private static final Pattern FROM_TASK = Pattern.compile("From /job:[^ ]*:");

  private WorkerFailure() {}

  /**
   * The first line of {@code message} that states a cause: not blank, not a bare
   * {@code From /job:...:} prefix, node decorations removed; "" for null.
   */
  public static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    for (String line : message.split("\\R")) {
      String clean = NODE.matcher(line).replaceAll("").strip();
      if (!clean.isEmpty() && !FROM_TASK.matcher(clean).matches()) {
        return clean;
      }
    }
    return "";
  }
}
