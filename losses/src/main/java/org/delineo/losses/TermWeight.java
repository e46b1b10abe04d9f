package org.delineo.losses;

import org.delineo.graph.DelineoException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/** The weight of a loss term, possibly changing with the training step (e.g. an aux loss decaying 0.5 → 0.1). */
@FunctionalInterface
public interface TermWeight {

  /** The weight at {@code step} (null: the weight before training, step 0). */
  Operand<TFloat32> at(Ops tf, Operand<TInt64> step);

  /** The same weight at every step. */
  static TermWeight constant(float weight) {
    return (tf, step) -> tf.constant(weight);
  }

  /** Linear from {@code start} at step 0 to {@code end} at {@code steps}, constant after. */
  static TermWeight linear(float start, float end, long steps) {
    if (steps <= 0) {
      throw new DelineoException("a linear term weight needs steps > 0, found " + steps);
    }
    return (tf, step) -> {
      if (step == null) {
        return tf.constant(start);
      }
      Operand<TFloat64> t = tf.math.minimum(tf.dtypes.cast(step, TFloat64.class), tf.constant((double) steps));
      Operand<TFloat64> w = tf.math.add(tf.constant((double) start),
          tf.math.mul(tf.constant(((double) end - start) / steps), t));
      return tf.dtypes.cast(w, TFloat32.class);
    };
  }
}
