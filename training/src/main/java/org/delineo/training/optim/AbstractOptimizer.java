package org.delineo.training.optim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The part every optimizer shares: validation, clipping, parameter groups, the ordering of writes
 * and the global step increment. Subclasses supply the per-variable update rule.
 */
abstract class AbstractOptimizer implements Optimizer {
  private final String scopeName;
  private final LearningRateSchedule schedule;
  private final float weightDecay;
  private final List<ParameterGroup> groups;
  private final Float clipNorm;

  AbstractOptimizer(
      String scopeName,
      LearningRateSchedule schedule,
      float weightDecay,
      List<ParameterGroup> groups,
      Float clipNorm) {
    if (schedule == null) {
      throw new DelineoException(scopeName + ": a learning-rate schedule is required, found null");
    }
    if (!Float.isFinite(weightDecay) || weightDecay < 0) {
      throw new DelineoException(scopeName + ": weight decay must be finite and >= 0, found " + weightDecay);
    }
    if (clipNorm != null && (!Float.isFinite(clipNorm) || clipNorm <= 0)) {
      throw new DelineoException(
          scopeName + ": clip norm must be finite and > 0 (or null for none), found " + clipNorm);
    }
    this.scopeName = scopeName;
    this.schedule = schedule;
    this.weightDecay = weightDecay;
    this.groups = groups == null ? List.of() : List.copyOf(groups);
    this.clipNorm = clipNorm;
  }

  @Override
  public final Op applyGradients(GraphContext ctx, List<Gradient> grads, boolean advanceStep) {
    checkGradients(grads);
    Ops tf = ctx.tf().withSubScope(scopeName);
    Operand<TInt64> step = GlobalStep.of(ctx).value();

    // A variable written in place must not change while another variable's gradient still reads
    // it, so every write waits for every gradient.
    Op gradientsReady = tf.withControlDependencies(new ArrayList<Op>(values(grads))).noOp();
    Ops writes = tf.withControlDependencies(List.of(gradientsReady));

    List<Gradient> clipped = clipNorm == null ? grads : GradientClipping.byGlobalNorm(tf, grads, clipNorm);
    Operand<TFloat32> lr = schedule.build(tf, step);
    Map<Float, Operand<TFloat32>> lrByMultiplier = new HashMap<>();
    List<VariableUpdate> updates = new ArrayList<>();
    for (Gradient g : clipped) {
      ModelVariable<TFloat32> v = g.variable();
      float lrMult = ParameterGroup.lrMultiplierOf(groups, v);
      Operand<TFloat32> varLr =
          lrByMultiplier.computeIfAbsent(
              lrMult, m -> m == 1f ? lr : tf.math.mul(lr, tf.constant(m.floatValue())));
      float decay = weightDecay * ParameterGroup.decayMultiplierOf(groups, v);
      updates.add(new VariableUpdate(v, g.value(), varLr, decay));
    }

    List<Op> written = buildUpdates(ctx, tf, writes, step, updates);
    // One combined list: withControlDependencies replaces, it does not add.
    Ops afterWrites = tf.withControlDependencies(written);
    Op last = advanceStep ? GlobalStep.of(ctx).increment(afterWrites) : afterWrites.noOp();
    return tf.withControlDependencies(List.of(last)).withName("step").noOp();
  }

  /**
   * Builds the writes of one step.
   *
   * @param ctx for creating slots
   * @param tf ops for computations (no control dependencies)
   * @param writes ops for every op that writes a variable or slot (they wait for all gradients)
   * @param step the global step before this update
   * @param updates one entry per variable
   * @return every write op built
   */
  abstract List<Op> buildUpdates(
      GraphContext ctx, Ops tf, Ops writes, Operand<TInt64> step, List<VariableUpdate> updates);

  /** The optimizer state {@code <variable>.<suffix>}, zero-initialised, created on first request. */
  static ModelVariable<TFloat32> slot(GraphContext ctx, ModelVariable<TFloat32> variable, String suffix) {
    return ctx.variables()
        .getOrCreate(
            variable.name() + "." + suffix,
            variable.shape(),
            TFloat32.class,
            VariableKind.STATE,
            init -> Initializers.zeros().create(init, variable.shape(), 0L));
  }

  private static List<Operand<TFloat32>> values(List<Gradient> grads) {
    List<Operand<TFloat32>> out = new ArrayList<>(grads.size());
    for (Gradient g : grads) {
      out.add(g.value());
    }
    return out;
  }

  private void checkGradients(List<Gradient> grads) {
    if (grads == null || grads.isEmpty()) {
      throw new DelineoException(scopeName + ": no gradients to apply, expected at least one");
    }
    Set<String> seen = new HashSet<>();
    for (Gradient g : grads) {
      ModelVariable<TFloat32> v = g.variable();
      if (!seen.add(v.name())) {
        throw new DelineoException(scopeName + ": variable '" + v.name() + "' has two gradients, expected one");
      }
      if (!g.value().shape().isCompatibleWith(v.shape())) {
        throw new ShapeMismatchException("gradient of '" + v.name() + "'", v.shape(), g.value().shape());
      }
    }
  }
}
