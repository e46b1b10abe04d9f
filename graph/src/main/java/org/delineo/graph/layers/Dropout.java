package org.delineo.graph.layers;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Element-wise (inverted) dropout: in TRAIN each element is zeroed with probability {@code rate}
 * and the survivors are scaled by 1 / (1 − rate); in EVAL and PREDICT, and for rate 0, the input is
 * returned unchanged. The random op is seeded from {@link GraphContext#opSeed} with the module name,
 * so an identically built graph draws the same masks (each run of a session draws a new one).
 */
public final class Dropout extends Module implements Layer {
  private final float rate;
  private final SeedSequence seeds;

  /** @param rate probability of zeroing an element, in [0, 1) */
  public Dropout(String name, float rate) {
    super(name);
    this.rate = checkRate(name, rate);
    this.seeds = new SeedSequence(name);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    if (!ctx.training() || rate == 0f) {
      return input;
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> uniform = seeds.uniform(ctx, tf.shape(input));
    return tf.math.mul(input, keepMask(tf, uniform, rate));
  }

  /** {0, 1/(1 − rate)} with P(kept) = 1 − rate for uniforms in [0, 1): kept where u ≥ rate. */
  static Operand<TFloat32> keepMask(Ops tf, Operand<TFloat32> uniform, float rate) {
    Operand<TFloat32> kept =
        tf.dtypes.cast(tf.math.greaterEqual(uniform, tf.constant(rate)), TFloat32.class);
    return tf.math.mul(kept, tf.constant(1f / (1f - rate)));
  }

  static float checkRate(String name, float rate) {
    if (!(rate >= 0f && rate < 1f)) {
      throw new DelineoException(name + ": rate must lie in [0, 1), found " + rate);
    }
    return rate;
  }
}
