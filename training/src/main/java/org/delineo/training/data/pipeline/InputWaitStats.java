package org.delineo.training.data.pipeline;

/**
 * How long the consumer of a {@link BatchLoader} waited for input. A step spans from the return of
 * one {@code next()} to the return of the following one (consumer work plus waiting); the first
 * {@code next()} after construction, {@code seek} or a reset is the warm-up and counts in neither.
 *
 * @param steps number of steps measured
 * @param waitNanos time spent blocked inside {@code next()} during those steps
 * @param stepNanos total duration of those steps
 */
public record InputWaitStats(long steps, long waitNanos, long stepNanos) {

  /** Fraction of step time spent waiting for input, in [0, 1]; 0 before any step was measured. */
  public double waitFraction() {
    return stepNanos <= 0 ? 0.0 : Math.min(1.0, (double) waitNanos / stepNanos);
  }
}
