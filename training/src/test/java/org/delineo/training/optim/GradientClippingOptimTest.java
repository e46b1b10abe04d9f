package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.assertClose;
import static org.delineo.training.optim.Fixtures.fetch;
import static org.delineo.training.optim.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Global-norm clipping on gradients [3, 4] and [12]: global norm √(9 + 16 + 144) = 13. Tolerance
 * 1e-6 absolute.
 */
class GradientClippingOptimTest {
  private static final double TOL = 1e-6;

  @Test
  void scalesAllGradientsByMaxNormOverGlobalNorm() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      List<Gradient> grads = gradients(ctx);
      List<Gradient> clipped = GradientClipping.byGlobalNorm(tf, grads, 6.5f);
      List<Gradient> untouched = GradientClipping.byGlobalNorm(tf, grads, 100f);
      try (Session s = new Session(g)) {
        s.initialize();
        assertEquals(13.0, fetch(s, GradientClipping.globalNorm(tf, grads))[0], TOL, "global norm");
        double scale = 6.5 / (13 + 1e-6); // PyTorch: max_norm / (total_norm + 1e-6)
        assertClose(new double[] {3 * scale, 4 * scale}, fetch(s, clipped.get(0).value()), TOL, "first");
        assertClose(new double[] {12 * scale}, fetch(s, clipped.get(1).value()), TOL, "second");
        // below the limit the factor is exactly 1
        assertArrayEquals(new float[] {3f, 4f}, fetch(s, untouched.get(0).value()));
        assertArrayEquals(new float[] {12f}, fetch(s, untouched.get(1).value()));
      }
    }
  }

  @Test
  void optimizerClipsBeforeTheUpdate() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      List<Gradient> grads = gradients(ctx);
      Op train = new Sgd(new ConstantSchedule(1f), 0f, false, 0f, null, 6.5f).applyGradients(ctx, grads);
      try (Session s = new Session(g)) {
        s.initialize();
        s.run(train);
        double scale = 6.5 / (13 + 1e-6);
        // p starts at 0 and lr = 1, so p1 = −scale·g
        assertClose(new double[] {-3 * scale, -4 * scale}, fetch(s, grads.get(0).variable().value()), TOL, "a");
        assertClose(new double[] {-12 * scale}, fetch(s, grads.get(1).variable().value()), TOL, "b");
      }
    }
  }

  @Test
  void rejectsNonPositiveMaxNorm() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      assertThrows(DelineoException.class, () -> GradientClipping.byGlobalNorm(ctx.tf(), gradients(ctx), 0f));
    }
  }

  private static List<Gradient> gradients(GraphContext ctx) {
    ModelVariable<TFloat32> a = variable(ctx, "a.weight", VariableKind.WEIGHT, 0f, 0f);
    ModelVariable<TFloat32> b = variable(ctx, "b.weight", VariableKind.WEIGHT, 0f);
    return List.of(
        new Gradient(a, ctx.tf().constant(new float[] {3f, 4f})),
        new Gradient(b, ctx.tf().constant(new float[] {12f})));
  }
}
