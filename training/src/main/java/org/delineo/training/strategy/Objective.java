package org.delineo.training.strategy;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What a strategy minimises on one batch, before any update: the total loss, the named scalars
 * logged with it (loss terms, and {@code loss} itself) and, optionally, a state update that must
 * run only after the optimizer update (PRISM's epoch-end β: the loss and its gradients read it, so
 * a concurrent write would race with those reads).
 *
 * @param loss the scalar total loss
 * @param scalars named scalars, including {@code "loss"}
 * @param afterUpdate builds the state update on {@link Ops} whose control dependencies are the
 *     update it must follow; null when there is none
 */
public record Objective(Operand<TFloat32> loss, Map<String, Operand<TFloat32>> scalars,
    Function<Ops, Op> afterUpdate) {

  public Objective {
    scalars = Map.copyOf(scalars);
  }

  /** An objective without a state update. */
  public Objective(Operand<TFloat32> loss, Map<String, Operand<TFloat32>> scalars) {
    this(loss, scalars, null);
  }

  /**
   * {@code ops} plus, when there is a state update, that update built to run after {@code update}.
   */
  public List<Op> withStateUpdateAfter(Ops tf, Op update, List<Op> ops) {
    if (afterUpdate == null) {
      return ops;
    }
    List<Op> all = new java.util.ArrayList<>(ops);
    all.add(afterUpdate.apply(tf.withControlDependencies(List.of(update))));
    return all;
  }
}
