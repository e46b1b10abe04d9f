package org.delineo.training.run;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows training progress: step/total, iterations per second, ETA, loss and learning rate. On a
 * terminal one line is redrawn in place with {@code \r} (at most ten times a second); otherwise
 * (a log file, CI) a plain line is printed every {@code plainInterval} steps and at the last step.
 *
 * <p>The rate is the mean over the steps shown so far by this display (so a resumed run measures
 * only its own steps); the ETA is the remaining steps at that rate.
 */
public final class ProgressDisplay {
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private final long totalSteps;
  private final boolean terminal;
  private final int plainInterval;
  private final LongSupplier nanoClock;
  private long firstStep = -1;
  private long firstNanos;
  private long lastDrawNanos;
  private int lastWidth;
  private String lastLine = "";

  /**
   * @param out where lines go
   * @param totalSteps the step at which training ends (0 or less: unknown, no ETA)
   * @param terminal whether to redraw one line in place
   * @param plainInterval steps between plain lines when not on a terminal (≥ 1)
   */
  public ProgressDisplay(PrintStream out, long totalSteps, boolean terminal, int plainInterval) {
    this(out, totalSteps, terminal, plainInterval, System::nanoTime);
  }

  ProgressDisplay(PrintStream out, long totalSteps, boolean terminal, int plainInterval,
      LongSupplier nanoClock) {
    this.out = out;
    this.totalSteps = totalSteps;
    this.terminal = terminal;
    this.plainInterval = Math.max(1, plainInterval);
    this.nanoClock = nanoClock;
  }

  /**
   * Progress on {@code out}: an updating line when {@code out} is the terminal's standard output,
   * plain lines otherwise (a log file, a test's captured stream).
   */
  public static ProgressDisplay forStream(PrintStream out, long totalSteps, int plainInterval) {
    return new ProgressDisplay(out, totalSteps, out == System.out && System.console() != null, plainInterval);
  }

  /** Reports that {@code step} has finished with this loss and learning rate. */
  public void update(long step, double loss, double learningRate) {
    update(step, loss, learningRate, false);
  }

  /**
   * Reports the step a run stops at (e.g. on a non-finite loss): shown whatever the interval, so
   * the last progress line is that step's.
   */
  public void stoppedAt(long step, double loss, double learningRate) {
    update(step, loss, learningRate, true);
  }

  private void update(long step, double loss, double learningRate, boolean show) {
    long now = nanoClock.getAsLong();
    if (firstStep < 0) {
      firstStep = step;
      firstNanos = now;
    }
    double seconds = (now - firstNanos) / 1e9;
    double rate = step > firstStep && seconds > 0 ? (step - firstStep) / seconds : Double.NaN;
    double eta = totalSteps > 0 && rate > 0 ? (totalSteps - step) / rate : Double.NaN;
    boolean last = show || (totalSteps > 0 && step >= totalSteps);
    if (terminal) {
      if (last || lastWidth == 0 || now - lastDrawNanos >= REDRAW_NANOS) {
        draw(formatLine(step, totalSteps, rate, eta, loss, learningRate));
        lastDrawNanos = now;
      }
    } else if (last || step % plainInterval == 0) {
      out.println(formatLine(step, totalSteps, rate, eta, loss, learningRate));
    }
  }

  /** Prints a line (e.g. an evaluation table) without garbling the progress line. */
  public void message(String text) {
    if (terminal && lastWidth > 0) {
      out.print("\r" + " ".repeat(lastWidth) + "\r");
      out.println(text);
      out.print(lastLine);
      out.flush();
    } else {
      out.println(text);
    }
  }

  /** Ends the redrawn line so later output starts on a fresh one. */
  public void finish() {
    if (terminal && lastWidth > 0) {
      out.println();
      lastWidth = 0;
    }
    out.flush();
  }

  /**
   * One progress line, e.g. {@code step 120/2000 (6%)  3.50 it/s  ETA 08:57  loss 0.4321  lr 1.00e-02};
   * an unknown rate or ETA (NaN) shows as "?", an unknown total (≤ 0) omits the total and ETA.
   */
  public static String formatLine(long step, long totalSteps, double stepsPerSecond,
      double etaSeconds, double loss, double learningRate) {
    StringBuilder line = new StringBuilder();
    if (totalSteps > 0) {
      line.append(String.format(Locale.ROOT, "step %d/%d (%d%%)", step, totalSteps,
          Math.min(100, step * 100 / totalSteps)));
    } else {
      line.append("step ").append(step);
    }
    line.append("  ").append(Double.isFinite(stepsPerSecond)
        ? String.format(Locale.ROOT, "%.2f", stepsPerSecond) : "?").append(" it/s");
    if (totalSteps > 0) {
      line.append("  ETA ").append(formatDuration(etaSeconds));
    }
    line.append(String.format(Locale.ROOT, "  loss %.4f  lr %.2e", loss, learningRate));
    return line.toString();
  }

  /**
   * Seconds as {@code mm:ss} below an hour and {@code h:mm:ss} above, rounded to the nearest
   * second; "?" when not finite or negative.
   */
  public static String formatDuration(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "?";
    }
    long total = Math.round(seconds);
    long h = total / 3600;
    long m = (total % 3600) / 60;
    long s = total % 60;
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
        : String.format(Locale.ROOT, "%02d:%02d", m, s);
  }

  private void draw(String line) {
    // Pad over the remains of a longer previous line.
    String padded = line.length() < lastWidth ? line + " ".repeat(lastWidth - line.length()) : line;
    out.print("\r" + padded);
    out.flush();
    lastWidth = line.length();
    lastLine = line;
  }
}
