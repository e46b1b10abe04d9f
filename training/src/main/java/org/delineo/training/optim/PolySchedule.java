package org.delineo.training.optim;

import org.delineo.graph.DelineoException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * Polynomial decay as mmengine's {@code PolyLR} (the mmsegmentation default), in its closed form:
 *
 * <pre>lr(t) = (baseLr − minLr) · (1 − min(t, T) / T)^power + minLr</pre>
 *
 * with t the number of updates done before this one and T = {@code totalSteps}; from t = T on the
 * rate stays at {@code minLr}. Computed in double and rounded to float once.
 *
 * @param baseLr the rate at t = 0
 * @param power the exponent (mmseg uses 0.9 or 1.0)
 * @param minLr the rate reached at t = T ({@code eta_min})
 * @param totalSteps T, the number of updates over which the rate decays; positive
 */
public record PolySchedule(float baseLr, float power, float minLr, long totalSteps)
    implements LearningRateSchedule {

  public PolySchedule {
    if (!Float.isFinite(baseLr) || baseLr < 0 || !Float.isFinite(minLr) || minLr < 0) {
      throw new DelineoException(
          "poly schedule rates must be finite and >= 0, found baseLr=" + baseLr + " minLr=" + minLr);
    }
    if (!Float.isFinite(power) || power < 0) {
      throw new DelineoException("poly schedule power must be finite and >= 0, found " + power);
    }
    if (totalSteps <= 0) {
      throw new DelineoException("poly schedule totalSteps must be > 0, found " + totalSteps);
    }
  }

  @Override
  public Operand<TFloat32> build(Ops tf, Operand<TInt64> step) {
    Operand<TFloat64> total = tf.constant((double) totalSteps);
    Operand<TFloat64> t = tf.math.minimum(tf.dtypes.cast(step, TFloat64.class), total);
    Operand<TFloat64> remaining = tf.math.sub(tf.constant(1.0), tf.math.div(t, total));
    Operand<TFloat64> decayed =
        tf.math.mul(
            tf.constant((double) baseLr - (double) minLr),
            tf.math.pow(remaining, tf.constant((double) power)));
    return tf.dtypes.cast(tf.math.add(decayed, tf.constant((double) minLr)), TFloat32.class);
  }
}
