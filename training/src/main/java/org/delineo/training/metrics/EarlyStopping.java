package org.delineo.training.metrics;

import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.proto.EarlyStoppingConfig;
import org.delineo.proto.MetricRule;
import org.delineo.proto.TrainingState;

/**
 * Decides after each validation whether training should stop, with the semantics of mmengine's
 * released {@code EarlyStoppingHook} (reference-methods.md §2.2):
 *
 * <ul>
 *   <li>best starts at -inf (GREATER) or +inf (LESS); the wait count at 0;
 *   <li>monitored metric missing: an error when strict, otherwise the validation is skipped
 *       (mmengine warns) and the state is unchanged;
 *   <li>check_finite and the value is NaN or infinite: stop at once;
 *   <li>GREATER: {@code best + min_delta > current} counts as no improvement (LESS:
 *       {@code best - min_delta < current}); then the wait count grows and training stops when it
 *       reaches patience. Otherwise best becomes current and the wait count returns to 0.
 * </ul>
 *
 * <p>With check_finite off, a NaN metric compares false and therefore becomes the new best, as in
 * mmengine. mmengine's optional {@code stopping_threshold} is not offered. Unlike the hook, the
 * state (best, wait count) can be saved with a checkpoint and restored, so a resumed run decides
 * exactly as an uninterrupted one.
 */
public final class EarlyStopping {
  private final String monitor;
  private final MetricRule rule;
  private final double minDelta;
  private final boolean strict;
  private final boolean checkFinite;
  private final int patience;
  private double best;
  private int waitCount;

  /** The outcome of one validation. */
  public record Decision(boolean stop, boolean improved, boolean skipped, String message) {}

  /**
   * @param monitor metric key looked up in each validation's metrics, e.g. {@code val/mIoU}
   * @param rule direction of improvement
   * @param minDelta smallest change counted as an improvement (≥ 0, in the metric's units)
   * @param strict whether a missing metric is an error rather than a skipped validation
   * @param checkFinite whether a NaN or infinite metric stops training
   * @param patience validations without improvement after which training stops
   */
  public EarlyStopping(String monitor, MetricRule rule, double minDelta, boolean strict,
      boolean checkFinite, int patience) {
    if (minDelta < 0 || Double.isNaN(minDelta)) {
      throw new DelineoException("early stopping min_delta must be >= 0, found " + minDelta);
    }
    if (patience < 0) {
      throw new DelineoException("early stopping patience must be >= 0, found " + patience);
    }
    this.monitor = monitor;
    this.rule = rule;
    this.minDelta = minDelta;
    this.strict = strict;
    this.checkFinite = checkFinite;
    this.patience = patience;
    reset();
  }

  /**
   * From the experiment's config; the config has no strict flag, so a missing metric is skipped
   * (PROVE's {@code strict=False}). The float min_delta is read through its decimal form, so 0.1
   * stays 0.1 rather than 0.100000001.
   */
  public static EarlyStopping fromConfig(EarlyStoppingConfig config) {
    return new EarlyStopping(config.getMonitor(), config.getRule(),
        Double.parseDouble(Float.toString(config.getMinDelta())), false,
        config.getCheckFinite(), config.getPatience());
  }

  /**
   * Takes one validation's metrics.
   *
   * @throws DelineoException when strict and {@code metrics} lacks the monitored key
   */
  public Decision update(Map<String, Double> metrics) {
    Double value = metrics.get(monitor);
    if (value == null) {
      if (strict) {
        throw new DelineoException("early stopping monitors '" + monitor
            + "', which this validation did not report; found metrics " + metrics.keySet());
      }
      return new Decision(false, false, true, "early stopping skipped: metric '" + monitor
          + "' not among " + metrics.keySet());
    }
    return update(value);
  }

  /** Takes one validation's value of the monitored metric. */
  public Decision update(double current) {
    if (checkFinite && !Double.isFinite(current)) {
      return new Decision(true, false, false, "monitored metric " + monitor + " = " + current
          + " is not finite; previous best was " + best);
    }
    boolean noImprovement = rule == MetricRule.LESS
        ? best - minDelta < current
        : best + minDelta > current;
    if (noImprovement) {
      waitCount++;
      boolean stop = waitCount >= patience;
      String message = stop
          ? monitor + " did not improve by " + minDelta + " in the last " + waitCount
              + " validations; best " + best
          : monitor + " = " + current + " did not improve on " + best + " (" + waitCount + "/"
              + patience + ")";
      return new Decision(stop, false, false, message);
    }
    best = current;
    waitCount = 0;
    return new Decision(false, true, false, monitor + " improved to " + current);
  }

  public String monitor() {
    return monitor;
  }

  public MetricRule rule() {
    return rule;
  }

  /** Best score so far (±inf before the first improvement). */
  public double best() {
    return best;
  }

  /** Validations in a row without improvement. */
  public int waitCount() {
    return waitCount;
  }

  /** Sets the state, e.g. from a checkpoint. */
  public void restore(double best, int waitCount) {
    if (waitCount < 0) {
      throw new DelineoException("early stopping wait count must be >= 0, found " + waitCount);
    }
    this.best = best;
    this.waitCount = waitCount;
  }

  /** Back to the initial state. */
  public void reset() {
    best = rule == MetricRule.LESS ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    waitCount = 0;
  }

  /** Copies best and wait count into a checkpoint's training state. */
  public TrainingState.Builder writeTo(TrainingState.Builder state) {
    return state.setEarlyStoppingBest(best).setEarlyStoppingWaitCount(waitCount);
  }

  /** Restores best and wait count from a checkpoint's state; a state without them resets. */
  public void restoreFrom(TrainingState state) {
    if (state.hasEarlyStoppingBest()) {
      restore(state.getEarlyStoppingBest(), state.getEarlyStoppingWaitCount());
    } else {
      reset();
    }
  }
}
