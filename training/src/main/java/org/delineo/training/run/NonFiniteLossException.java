package org.delineo.training.run;

import org.delineo.graph.DelineoException;

/** Training produced a NaN or infinite loss; thrown by {@link LossGuard} to stop the run cleanly. */
public class NonFiniteLossException extends DelineoException {
  private static final long serialVersionUID = 1L;

  private final long step;
  private final double value;

  public NonFiniteLossException(long step, double value) {
    super("loss is " + value + " at step " + step + "; training stopped (expected a finite loss;"
        + " lower the learning rate or check the inputs and labels; the last checkpoint written"
        + " before this step stays loadable)");
    this.step = step;
    this.value = value;
  }

  /** The step whose loss was not finite, counted from 1 as the progress lines count steps. */
  public long step() {
    return step;
  }

  /** The loss found (NaN or ±infinity). */
  public double value() {
    return value;
  }
}
