package org.delineo.training.optim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The learning rate as a graph function of the global step, so one graph serves the whole run
 * (TF-Java's framework optimizers bake the rate in as a constant).
 */
@FunctionalInterface
public interface LearningRateSchedule {

  /**
   * Builds the learning rate of the next update.
   *
   * @param tf ops to build with
   * @param step the number of updates done before this one, starting at 0
   * @return a float scalar
   */
  Operand<TFloat32> build(Ops tf, Operand<TInt64> step);
}
