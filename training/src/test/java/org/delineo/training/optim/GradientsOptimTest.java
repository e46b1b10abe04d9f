package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.assertClose;
import static org.delineo.training.optim.Fixtures.fetch;
import static org.delineo.training.optim.Fixtures.quadraticLoss;
import static org.delineo.training.optim.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Gradients over an explicit variable list; hand-derived values, tolerance 1e-6 absolute. */
class GradientsOptimTest {
  private static final float[] A = {1f, 2f};
  private static final float[] C = {0.5f, -1f};

  @Test
  void gradientOfTheQuadraticIsAtimesPminusC() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "p.weight", VariableKind.WEIGHT, 2f, 3f);
      List<Gradient> grads = Gradients.of(ctx, quadraticLoss(ctx.tf(), p.value(), A, C), List.of(p));
      assertEquals(1, grads.size());
      assertSame(p, grads.get(0).variable());
      try (Session s = new Session(g)) {
        s.initialize();
        // a (p − c) = [1·1.5, 2·4]
        assertClose(new double[] {1.5, 8}, fetch(s, grads.get(0).value()), 1e-6, "gradient");
      }
    }
  }

  @Test
  void unreachableVariableIsNamedOrSkipped() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "used.weight", VariableKind.WEIGHT, 2f, 3f);
      ModelVariable<TFloat32> q = variable(ctx, "teacher.weight", VariableKind.WEIGHT, 1f, 1f);
      Operand<TFloat32> loss = quadraticLoss(ctx.tf(), p.value(), A, C);
      DelineoException e = assertThrows(DelineoException.class, () -> Gradients.of(ctx, loss, List.of(p, q)));
      assertTrue(e.getMessage().contains("teacher.weight") && !e.getMessage().contains("used.weight"), e.getMessage());
      List<Gradient> grads = Gradients.of(ctx, loss, List.of(p, q), true);
      assertEquals(1, grads.size());
      assertSame(p, grads.get(0).variable());
    }
  }

  @Test
  void pathOnlyThroughStopGradientCountsAsUnreachable() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      ModelVariable<TFloat32> p = variable(ctx, "student.weight", VariableKind.WEIGHT, 2f, 3f);
      ModelVariable<TFloat32> q = variable(ctx, "frozen.weight", VariableKind.WEIGHT, 1f, 1f);
      Operand<TFloat32> loss =
          tf.math.add(
              quadraticLoss(tf, p.value(), A, C),
              quadraticLoss(tf, tf.stopGradient(q.value()), A, C));
      DelineoException e = assertThrows(DelineoException.class, () -> Gradients.of(ctx, loss, List.of(p, q)));
      assertTrue(e.getMessage().contains("frozen.weight"), e.getMessage());
      assertEquals(1, Gradients.of(ctx, loss, List.of(p, q), true).size());
    }
  }

  @Test
  void rejectsNonScalarLossAndDuplicates() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "p.weight", VariableKind.WEIGHT, 2f, 3f);
      assertThrows(ShapeMismatchException.class,
          () -> Gradients.of(ctx, ctx.tf().math.square(p.value()), List.of(p)));
      assertThrows(DelineoException.class,
          () -> Gradients.of(ctx, quadraticLoss(ctx.tf(), p.value(), A, C), List.of(p, p)));
    }
  }

  @Test
  void optimizerRejectsMisshapedOrRepeatedGradients() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "p.weight", VariableKind.WEIGHT, 2f, 3f);
      Sgd sgd = new Sgd(new ConstantSchedule(0.1f), 0f, false, 0f, null, null);
      Gradient wrong = new Gradient(p, ctx.tf().constant(new float[] {1f, 2f, 3f}));
      assertThrows(ShapeMismatchException.class, () -> sgd.applyGradients(ctx, List.of(wrong)));
      Gradient right = new Gradient(p, ctx.tf().constant(new float[] {1f, 2f}));
      assertThrows(DelineoException.class, () -> sgd.applyGradients(ctx, List.of(right, right)));
      assertThrows(DelineoException.class, () -> sgd.applyGradients(ctx, List.of()));
    }
  }
}
