package org.delineo.training.optim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Differentiates a scalar loss with respect to an explicit list of variables (never "every
 * variable in the graph", which fails as soon as one is unreachable: batch-norm statistics, slots,
 * a teacher). The derivative is taken at each variable's identity read, the value every consumer
 * uses. Under a data-parallel replica ({@link GraphContext#replica()}) the gradient ops are placed
 * on the replica's device, as the tower's forward ops are ({@link GradientPlacement}).
 */
public final class Gradients {
  private Gradients() {}

  /**
   * The gradients of {@code loss} for {@code vars}, in the same order.
   *
   * @throws DelineoException naming every variable that the loss does not depend on, or depends on
   *     only through non-differentiable ops (argmax, integer casts, stop-gradient)
   */
  public static List<Gradient> of(
      GraphContext ctx, Operand<TFloat32> loss, List<ModelVariable<TFloat32>> vars) {
    return of(ctx, loss, vars, false);
  }

  /**
   * The gradients of {@code loss} for {@code vars}, in the same order.
   *
   * @param skipUnreachable when true, variables without a gradient path are left out of the result
   *     instead of failing
   * @throws DelineoException for unreachable variables unless skipped, a non-scalar loss or a
   *     variable listed twice
   */
  public static List<Gradient> of(
      GraphContext ctx,
      Operand<TFloat32> loss,
      List<ModelVariable<TFloat32>> vars,
      boolean skipUnreachable) {
    Shape lossShape = loss.shape();
    if (!lossShape.isUnknown() && lossShape.numDimensions() != 0) {
      throw new ShapeMismatchException("loss '" + loss.op().name() + "'", Shape.scalar(), lossShape);
    }
    checkDistinct(vars);
    Set<GraphOperation> upstream = dataUpstream((GraphOperation) loss.op());
    List<ModelVariable<TFloat32>> reachable = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (ModelVariable<TFloat32> v : vars) {
      if (upstream.contains((GraphOperation) v.value().op())) {
        reachable.add(v);
      } else {
        unreachable.add(v.name());
      }
    }
    List<Gradient> out = new ArrayList<>();
    if (!reachable.isEmpty()) {
      Output<?>[] xs = new Output<?>[reachable.size()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = reachable.get(i).value().asOutput();
      }
      String device = ctx.replica().map(r -> r.device()).orElse("");
      Output<?>[] grads = device.isEmpty()
          ? ctx.graph().addGradients(loss.asOutput(), xs)
          : GradientPlacement.on(ctx.graph(), device, () -> ctx.graph().addGradients(loss.asOutput(), xs));
      for (int i = 0; i < grads.length; i++) {
        // addGradients answers with a closed Output when the only paths are non-differentiable.
        if (grads[i] == null || grads[i].isClosed()) {
          unreachable.add(reachable.get(i).name() + " (only non-differentiable paths)");
        } else {
          out.add(new Gradient(reachable.get(i), asFloat(grads[i])));
        }
      }
    }
    if (!unreachable.isEmpty() && !skipUnreachable) {
      throw new DelineoException(
          "loss '" + loss.op().name() + "' has no gradient for variable(s) " + unreachable
              + "; expected every listed variable to influence the loss differentiably"
              + " (leave them out, or skip unreachable variables explicitly)");
    }
    return out;
  }

  private static void checkDistinct(List<ModelVariable<TFloat32>> vars) {
    Set<String> names = new HashSet<>();
    for (ModelVariable<TFloat32> v : vars) {
      if (!names.add(v.name())) {
        throw new DelineoException("variable '" + v.name() + "' is listed twice for differentiation");
      }
    }
  }

  /** Every op whose outputs feed {@code root} through data edges (gradients ignore control edges). */
  private static Set<GraphOperation> dataUpstream(GraphOperation root) {
    Set<GraphOperation> seen = new HashSet<>();
    Deque<GraphOperation> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      GraphOperation op = todo.pop();
      if (seen.add(op)) {
        for (Operand<?> input : op.inputs()) {
          todo.push((GraphOperation) input.op());
        }
      }
    }
    return seen;
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> asFloat(Output<?> grad) {
    return (Output<TFloat32>) grad;
  }
}
