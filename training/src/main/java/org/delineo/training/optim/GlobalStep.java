package org.delineo.training.optim;

import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;

/**
 * The graph's update counter: the int64 scalar variable {@value #NAME}, the number of optimizer
 * steps applied so far. Schedules and Adam's bias corrections read it inside the graph, and it is
 * saved with the other variables, so a restored checkpoint resumes its schedule where it stopped.
 *
 * <p>The read is a ref-variable read: a fetch of {@link #value()} in the same {@code Session.run}
 * as the increment may show the incremented value. Fetch it in a separate run when the exact
 * pre-step value matters.
 */
public final class GlobalStep {
  /** The variable's name (and checkpoint key). */
  public static final String NAME = "global_step";

  private final ModelVariable<TInt64> variable;

  private GlobalStep(ModelVariable<TInt64> variable) {
    this.variable = variable;
  }

  /** The step counter of this context's graph, created (at 0) on first request. */
  public static GlobalStep of(GraphContext ctx) {
    return new GlobalStep(
        ctx.variables()
            .getOrCreate(NAME, Shape.scalar(), TInt64.class, VariableKind.STATE, tf -> tf.constant(0L)));
  }

  /** The underlying variable (for assigning it, e.g. when resuming). */
  public ModelVariable<TInt64> variable() {
    return variable;
  }

  /** The number of steps applied before the current one. */
  public Operand<TInt64> value() {
    return variable.value();
  }

  /**
   * Builds the op adding one to the counter. Pass ops that carry the control dependencies the
   * increment must wait for (all of a step's updates).
   */
  public Op increment(Ops tf) {
    return tf.assignAdd(variable.ref(), tf.constant(1L));
  }
}
