package org.delineo.training.optim;

import org.delineo.graph.DelineoException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A learning rate that never changes: lr(t) = lr.
 *
 * @param lr the learning rate, finite and non-negative
 */
public record ConstantSchedule(float lr) implements LearningRateSchedule {

  public ConstantSchedule {
    if (!Float.isFinite(lr) || lr < 0) {
      throw new DelineoException("constant learning rate must be finite and >= 0, found " + lr);
    }
  }

  @Override
  public Operand<TFloat32> build(Ops tf, Operand<TInt64> step) {
    return tf.constant(lr);
  }
}
