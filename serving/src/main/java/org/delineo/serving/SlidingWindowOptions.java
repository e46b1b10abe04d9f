package org.delineo.serving;

import java.util.Arrays;
import org.delineo.graph.DelineoException;

/**
 * How {@link Predictor} tiles inputs (through {@link SlidingWindow}): window size for dynamic spatial axes, overlap between
 * neighbouring windows, how many windows go to the model per call and how small inputs are padded.
 *
 * @param window spatial window size per axis ({@code H, W} or {@code D, H, W}), or null to use the
 *     model's fixed input size and, on dynamic axes, the whole input; on fixed axes it must equal the
 *     model's size
 * @param overlap fraction of a window shared with the next one, in {@code [0, 1)}; the stride is
 *     {@code max(1, floor(window * (1 - overlap)))}
 * @param batchSize windows per model call, at least 1
 * @param padMode how inputs smaller than the window are padded
 */
public record SlidingWindowOptions(int[] window, double overlap, int batchSize, PadMode padMode) {

  public SlidingWindowOptions {
    if (window != null) {
      window = window.clone();
      for (int w : window) {
        if (w <= 0) {
          throw new DelineoException(
              "sliding window sizes must be positive, found " + Arrays.toString(window));
        }
      }
    }
    if (!(overlap >= 0 && overlap < 1)) {
      throw new DelineoException("sliding window overlap must be in [0, 1), found " + overlap);
    }
    if (batchSize < 1) {
      throw new DelineoException("sliding window batch size must be at least 1, found " + batchSize);
    }
    if (padMode == null) {
      throw new DelineoException("sliding window pad mode missing");
    }
  }

  /** No configured window, overlap 0.5 (stride half a window), 4 windows per call, zero padding. */
  public static SlidingWindowOptions defaults() {
    return new SlidingWindowOptions(null, 0.5, 4, PadMode.ZERO);
  }

  @Override
  public int[] window() {
    return window == null ? null : window.clone();
  }

  /** These options with another window size (null: the model's). */
  public SlidingWindowOptions withWindow(int... value) {
    return new SlidingWindowOptions(value, overlap, batchSize, padMode);
  }

  /** These options with another overlap fraction. */
  public SlidingWindowOptions withOverlap(double value) {
    return new SlidingWindowOptions(window, value, batchSize, padMode);
  }

  /** These options with another number of windows per model call. */
  public SlidingWindowOptions withBatchSize(int value) {
    return new SlidingWindowOptions(window, overlap, value, padMode);
  }

  /** These options with another pad mode. */
  public SlidingWindowOptions withPadMode(PadMode value) {
    return new SlidingWindowOptions(window, overlap, batchSize, value);
  }

  /** The window starts along one axis of length {@code size >= window}, the last aligned to the end. */
  int[] starts(int size, int windowSize) {
    return SlidingWindow.starts(size, windowSize, stride(windowSize));
  }

  /** The step between neighbouring windows of size {@code windowSize}. */
  int stride(int windowSize) {
    // The epsilon keeps e.g. 10 * (1 - 0.3) from flooring to 6 through rounding.
    return Math.max(1, (int) Math.floor(windowSize * (1 - overlap) + 1e-9));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SlidingWindowOptions other
        && Arrays.equals(window, other.window)
        && Double.compare(overlap, other.overlap) == 0
        && batchSize == other.batchSize
        && padMode == other.padMode;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(window) * 31 + Double.hashCode(overlap) * 17 + batchSize * 7
        + padMode.hashCode();
  }

  @Override
  public String toString() {
    return "SlidingWindowOptions[window=" + Arrays.toString(window) + ", overlap=" + overlap
        + ", batchSize=" + batchSize + ", padMode=" + padMode + "]";
  }
}
