package org.delineo.training.optim;

import org.delineo.graph.DelineoException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Holds another schedule constant for {@code interval} steps: lr(t) = inner(⌊t / interval⌋ ·
 * interval). With the steps of one epoch as the interval this is the per-epoch poly of RFNet and
 * PASSION, lr·(1 − e/E)^0.9 with e the epoch index.
 *
 * @param inner the schedule sampled at the start of each interval
 * @param interval steps per held value; 1 leaves {@code inner} unchanged
 */
public record IntervalSchedule(LearningRateSchedule inner, long interval) implements LearningRateSchedule {

  public IntervalSchedule {
    if (interval < 1) {
      throw new DelineoException("schedule update interval must be >= 1 step, found " + interval);
    }
  }

  @Override
  public Operand<TFloat32> build(Ops tf, Operand<TInt64> step) {
    if (interval == 1) {
      return inner.build(tf, step);
    }
    Operand<TInt64> n = tf.constant(interval);
    return inner.build(tf, tf.math.mul(tf.math.floorDiv(step, n), n));
  }
}
