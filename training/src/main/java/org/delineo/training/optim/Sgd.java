package org.delineo.training.optim;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Stochastic gradient descent with PyTorch's {@code torch.optim.SGD} semantics (dampening 0), per
 * variable p with gradient g (after clipping), decay wd and rate lr (both after parameter groups):
 *
 * <pre>
 * g' = g + wd·p
 * buf = μ·buf + g'            (buf starts at 0, so the first step gives buf = g')
 * p  -= lr·buf                 plain momentum
 * p  -= lr·(g' + μ·buf)        Nesterov
 * </pre>
 *
 * Without momentum, p -= lr·g' and no slot is created. The momentum buffer is the slot
 * {@code <var>.momentum_buffer}. Built on TF's {@code ApplyMomentum} / {@code ApplyGradientDescent}
 * with an operand learning rate, which compute exactly these updates.
 */
public final class Sgd extends AbstractOptimizer {
  /** Suffix of the momentum slot, as in PyTorch's optimizer state. */
  public static final String MOMENTUM_SLOT = "momentum_buffer";

  private final float momentum;
  private final boolean nesterov;

  /**
   * @param schedule the learning rate per step
   * @param momentum μ in [0, 1); 0 for plain SGD
   * @param nesterov Nesterov momentum (needs μ > 0)
   * @param weightDecay L2 decay coefficient, >= 0, applied as {@link ParameterGroup} describes
   * @param groups learning-rate and decay multipliers; first match wins; null or empty for none
   * @param clipNorm maximum global gradient norm, or null for no clipping
   */
  public Sgd(
      LearningRateSchedule schedule,
      float momentum,
      boolean nesterov,
      float weightDecay,
      List<ParameterGroup> groups,
      Float clipNorm) {
    super("sgd", schedule, weightDecay, groups, clipNorm);
    if (!(momentum >= 0 && momentum < 1)) {
      throw new DelineoException("sgd: momentum must be in [0, 1), found " + momentum);
    }
    if (nesterov && momentum == 0) {
      throw new DelineoException("sgd: Nesterov momentum needs momentum > 0, found 0");
    }
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  @Override
  List<Op> buildUpdates(
      GraphContext ctx, Ops tf, Ops writes, Operand<TInt64> step, List<VariableUpdate> updates) {
    List<Op> ops = new ArrayList<>();
    for (VariableUpdate u : updates) {
      ModelVariable<TFloat32> v = u.variable();
      Operand<TFloat32> g = u.gradient();
      if (u.weightDecay() != 0f) {
        // Built on `writes` so the decay term is computed after the backward pass: otherwise it
        // could run at the start of the step and hold a copy of every weight through it.
        g = tf.math.add(g, writes.math.mul(tf.constant(u.weightDecay()), v.value()));
      }
      if (momentum == 0f) {
        ops.add(writes.train.applyGradientDescent(v.ref(), u.lr(), g));
      } else {
        ModelVariable<TFloat32> buf = slot(ctx, v, MOMENTUM_SLOT);
        ops.add(
            writes.train.applyMomentum(
                v.ref(), buf.ref(), u.lr(), g, tf.constant(momentum), ApplyMomentum.useNesterov(nesterov)));
      }
    }
    return ops;
  }
}
