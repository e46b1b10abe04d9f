package org.delineo.training.run;

/**
 * Stops training at the first NaN or infinite loss, before a checkpoint could record the damaged
 * weights.
 */
public final class LossGuard {
  private LossGuard() {}

  /**
   * Returns normally when {@code loss} is finite.
   *
   * @param step the step that produced {@code loss}, numbered as its progress line numbers it
   *     (the first step is 1), so the message and the progress line agree
   *
   * @throws NonFiniteLossException naming the step and the value otherwise
   */
  public static void check(long step, double loss) {
    if (!Double.isFinite(loss)) {
      throw new NonFiniteLossException(step, loss);
    }
  }
}
