package org.delineo.training.optim;

import org.delineo.graph.DelineoException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * A linear warm-up in front of another schedule, as mmengine's {@code LinearLR} from
 * {@code start_factor} to 1: the inner rate is multiplied by
 *
 * <pre>factor(t) = startFactor + (1 − startFactor) · min(t, W) / W</pre>
 *
 * with t the number of updates done before this one and W = {@code warmupSteps}; so
 * lr(t) = factor(t) · inner(t), and from t = W on lr(t) = inner(t). The inner schedule keeps counting
 * from t = 0 (it is not shifted by W). W = 0 means no warm-up.
 *
 * @param inner the schedule being warmed up
 * @param warmupSteps W, non-negative
 * @param startFactor the factor at t = 0, in [0, 1]
 */
public record LinearWarmup(LearningRateSchedule inner, long warmupSteps, float startFactor)
    implements LearningRateSchedule {

  public LinearWarmup {
    if (inner == null) {
      throw new DelineoException("linear warm-up needs an inner schedule, found null");
    }
    if (warmupSteps < 0) {
      throw new DelineoException("linear warm-up steps must be >= 0, found " + warmupSteps);
    }
    if (!(startFactor >= 0 && startFactor <= 1)) {
      throw new DelineoException("linear warm-up start factor must be in [0, 1], found " + startFactor);
    }
  }

  @Override
  public Operand<TFloat32> build(Ops tf, Operand<TInt64> step) {
    Operand<TFloat32> innerLr = inner.build(tf, step);
    if (warmupSteps == 0) {
      return innerLr;
    }
    Operand<TFloat64> w = tf.constant((double) warmupSteps);
    Operand<TFloat64> progress = tf.math.div(tf.math.minimum(tf.dtypes.cast(step, TFloat64.class), w), w);
    Operand<TFloat64> factor =
        tf.math.add(
            tf.constant((double) startFactor),
            tf.math.mul(tf.constant(1.0 - startFactor), progress));
    return tf.math.mul(tf.dtypes.cast(factor, TFloat32.class), innerLr);
  }
}
