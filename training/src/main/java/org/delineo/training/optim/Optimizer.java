package org.delineo.training.optim;

import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * Builds the graph ops of one optimizer step on ref variables, with the learning rate read from a
 * schedule of the {@link GlobalStep}. Every op is deterministic and ordered by explicit control
 * dependencies: all gradients are computed before any variable is written, and the global step is
 * incremented after every write.
 *
 * <p>Other ops that read a trained variable in the same {@code Session.run} but do not feed the
 * gradients (e.g. an EMA teacher update, metrics) are not ordered against the writes; run them
 * before, or make the gradients depend on them. Control dependencies carried by {@code ctx.tf()}
 * are not kept (TF-Java's {@code withControlDependencies} replaces them); order against the
 * returned op instead.
 */
public interface Optimizer {

  /**
   * Builds one step applying {@code grads}: slots are created on first use (and reused by later
   * calls), then clipping, weight decay, learning-rate multipliers and the update rule, and finally
   * the global step increment.
   *
   * @param ctx the context whose graph holds the variables
   * @param grads one gradient per variable, each variable at most once
   * @param advanceStep whether this step increments the global step (false for an extra update
   *     within the same training step, e.g. a bi-level inner update)
   * @return the op to run as the step's target
   */
  Op applyGradients(GraphContext ctx, List<Gradient> grads, boolean advanceStep);

  /** {@link #applyGradients(GraphContext, List, boolean)} that increments the global step. */
  default Op applyGradients(GraphContext ctx, List<Gradient> grads) {
    return applyGradients(ctx, grads, true);
  }

  /** Differentiates {@code loss} for {@code vars} ({@link Gradients#of}) and applies the result. */
  default Op minimize(
      GraphContext ctx, Operand<TFloat32> loss, List<ModelVariable<TFloat32>> vars) {
    return applyGradients(ctx, Gradients.of(ctx, loss, vars));
  }

  /**
   * Scalars of the step built by {@link #minimize} in {@code ctx}'s graph that training logs next to
   * the loss terms, by name (e.g. {@link DynamicLossScale}'s scale); none by default.
   */
  default Map<String, Operand<TFloat32>> scalars(GraphContext ctx) {
    return Map.of();
  }
}
