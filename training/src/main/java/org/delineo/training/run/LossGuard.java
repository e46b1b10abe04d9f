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
   * @throws NonFiniteLossException naming the step and the value otherwise
   */
  public static void check(long step, double loss) {
    if (!Double.isFinite(loss)) {
      throw new NonFiniteLossException(step, loss);
    }
  }
}
