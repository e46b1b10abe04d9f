package org.delineo.training.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;
import org.delineo.training.run.Json;
import org.delineo.training.run.RunDirectory;

/**
 * Appends one JSON object per evaluation to a JSON-lines file ({@code metrics.jsonl} in the run
 * directory), so runs can be compared with a few lines of any scripting language. NaN and
 * infinite values are written as {@code null}. Each line is written with one append call, so a
 * crash leaves at most a truncated last line.
 */
public final class MetricsLog {
  /** The file name used in run directories. */
  public static final String FILE_NAME = RunDirectory.METRICS_FILE;

  /** The first key of every record written here. */
  private static final Pattern STEP = Pattern.compile("\\{\\s*\"step\"\\s*:\\s*(-?\\d+)");

  private final Path file;

  /** A log appending to {@code file} (created on the first append). */
  public MetricsLog(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /**
   * Appends {@code {"step": step, "time": ISO-8601, ...scalars}}.
   *
   * @param scalars metric name to value, written in iteration order
   */
  public void append(long step, Map<String, Double> scalars) {
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("step", step);
    record.put("time", Instant.now().toString());
    record.putAll(scalars);
    appendLine(Json.write(record));
  }

  /**
   * Appends the summary of an evaluation: the confusion matrix's {@link ConfusionMatrix#summary}
   * under {@code prefix} (percent), any {@code extra} scalars, and per-class IoU, Dice (percent)
   * and ground-truth pixel counts keyed by class name under {@code "per_class"}.
   */
  public void appendEvaluation(long step, String prefix, ConfusionMatrix matrix,
      List<String> classNames, Map<String, Double> extra) {
    if (classNames.size() != matrix.numClasses()) {
      throw new DelineoException("metrics log: " + matrix.numClasses() + " classes need as many"
          + " class names, found " + classNames.size() + " " + classNames);
    }
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("step", step);
    record.put("time", Instant.now().toString());
    record.putAll(matrix.summary(prefix));
    record.putAll(extra);
    double[] iou = matrix.iou();
    double[] dice = matrix.dice();
    long[] pixels = matrix.labelPixels();
    Map<String, Object> perClass = new LinkedHashMap<>();
    for (int c = 0; c < iou.length; c++) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("IoU", 100 * iou[c]);
      one.put("Dice", 100 * dice[c]);
      one.put("pixels", pixels[c]);
      perClass.put(classNames.get(c), one);
    }
    record.put("per_class", perClass);
    appendLine(Json.write(record));
  }

  /**
   * Cuts the log back to the evaluations of steps up to {@code step}, as a resume from the
   * checkpoint of that step needs: a run killed after an evaluation line but before its
   * checkpoint would otherwise log that step twice. Lines are recognised by the {@code "step"}
   * key every record starts with; a last line without its newline (a crash in mid-write) is
   * dropped, other unreadable lines are kept. The file is rewritten atomically (a temporary file
   * in the same folder, fsynced, renamed over it), and only when something is removed.
   *
   * @return the number of lines removed
   */
  public int retainUpTo(long step) {
    if (!Files.isRegularFile(file)) {
      return 0;
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DelineoException("cannot read metrics log " + file + ": " + e, e);
    }
    StringBuilder kept = new StringBuilder(text.length());
    int removed = 0;
    int start = 0;
    while (start < text.length()) {
      int newline = text.indexOf('\n', start);
      boolean complete = newline >= 0;
      String line = complete ? text.substring(start, newline) : text.substring(start);
      start = complete ? newline + 1 : text.length();
      Matcher m = STEP.matcher(line);
      boolean later = m.lookingAt() && Long.parseLong(m.group(1)) > step;
      if (later || !complete) {
        removed++;
      } else {
        kept.append(line).append('\n');
      }
    }
    if (removed > 0) {
      // On disk before the rename: a crash leaves the old or the new log, never an empty one.
      try {
        SafeFiles.durable().writeString(file, kept.toString());
      } catch (IOException e) {
        throw new DelineoException("cannot rewrite metrics log " + file + ": " + e, e);
      }
    }
    return removed;
  }

  private void appendLine(String json) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.write(file, (json + "\n").getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new DelineoException("cannot append to metrics log " + file + ": " + e, e);
    }
  }
}
