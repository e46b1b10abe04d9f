package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.assertClose;
import static org.delineo.training.optim.Fixtures.fetch;
import static org.delineo.training.optim.Fixtures.quadraticLoss;
import static org.delineo.training.optim.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableKind;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Adam, AMSGrad, Adam with L2 decay and AdamW against PyTorch's update rule written out in double
 * in this test ({@link Reference}). Tolerance 1e-6 absolute (float32 arithmetic on values of
 * order 1).
 */
class AdamOptimTest {
  private static final double TOL = 1e-6;
  private static final float LR = 0.1f;

  @Test
  void adamStepsOneAndTwoOnTheQuadratic() {
    float[] p0 = {1f, -2f, 0.5f};
    float[] a = {1f, 2f, 0.5f};
    float[] c = {0f, 1f, 2f};
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "head.conv.weight", VariableKind.WEIGHT, p0);
      Op train = Adam.adam(new ConstantSchedule(LR)).build()
          .minimize(ctx, quadraticLoss(ctx.tf(), p.value(), a, c), List.of(p));
      try (Session s = new Session(g)) {
        s.initialize();
        s.run(train);
        // At t = 1 the bias corrections make m̂ = g and v̂ = g², so each coordinate moves by
        // lr·g/(|g| + eps) ≈ lr·sign(g); g0 = [1, −6, −0.75].
        float[] p1 = fetch(s, p.value());
        assertClose(new double[] {0.9, -1.9, 0.6}, p1, TOL, "p after step 1");
        s.run(train);
        // Step 2 by the reference: g1 = a (p1 − c).
        Reference ref = new Reference(3, LR, 0.9f, 0.999f, 1e-8f, 0f, false, false);
        double[] q = toDouble(p0);
        q = ref.step(q, gradient(q, a, c));
        q = ref.step(q, gradient(q, a, c));
        assertClose(q, fetch(s, p.value()), TOL, "p after step 2");
      }
    }
  }

  @Test
  void amsgradUsesTheLargerPastSecondMoment() {
    // β2 = 0.5 so that one small gradient halves v: coordinate 0 gets 10 then 0.1, so
    // v1 = 0.5·100 = 50 and v2 = 0.5·50 + 0.5·0.01 = 25.005 < v1, and AMSGrad keeps 50.
    // Coordinate 1 gets −4 then −3: v1 = 8, v2 = 4 + 4.5 = 8.5 > v1, where both agree.
    float[][] grads = {{10f, -4f}, {0.1f, -3f}};
    float[] p0 = {1f, -2f};
    Adam amsgrad = Adam.adam(new ConstantSchedule(LR)).betas(0.9f, 0.5f).amsgrad(true).build();
    double[][] expected = referenceRun(p0, grads, new Reference(2, LR, 0.9f, 0.5f, 1e-8f, 0f, true, false));
    double[][] plain = referenceRun(p0, grads, new Reference(2, LR, 0.9f, 0.5f, 1e-8f, 0f, false, false));
    assertTrue(Math.abs(expected[1][0] - plain[1][0]) > 100 * TOL,
        "test gradients must make AMSGrad differ from Adam at step 2");
    assertEquals(expected[1][1], plain[1][1], 1e-12, "coordinate 1 has a growing v: no difference");
    assertRun(amsgrad, VariableKind.WEIGHT, p0, grads, expected);
  }

  @Test
  void adamWithL2DecayAddsDecayToTheGradient() {
    float[][] grads = {{0.5f, -1.5f}, {0.5f, -1.5f}};
    float[] p0 = {1f, -2f};
    double[][] expected = referenceRun(p0, grads, new Reference(2, LR, 0.9f, 0.999f, 1e-8f, 0.1f, false, false));
    assertRun(Adam.adam(new ConstantSchedule(LR)).weightDecay(0.1f).build(),
        VariableKind.WEIGHT, p0, grads, expected);
  }

  @Test
  void adamWDecaysTheWeightsDirectly() {
    float[][] grads = {{0.5f, -1.5f}, {0.5f, -1.5f}};
    float[] p0 = {1f, -2f};
    double[][] expected = referenceRun(p0, grads, new Reference(2, LR, 0.9f, 0.999f, 1e-8f, 0.1f, false, true));
    double[][] l2 = referenceRun(p0, grads, new Reference(2, LR, 0.9f, 0.999f, 1e-8f, 0.1f, false, false));
    assertTrue(Math.abs(expected[1][0] - l2[1][0]) > 100 * TOL, "AdamW and Adam-L2 must differ here");
    // Step 1 by hand: p·(1 − lr·wd) − lr·sign(g) = [1·0.99 − 0.1, −2·0.99 + 0.1] = [0.89, −1.88].
    assertClose(new double[] {0.89, -1.88}, toFloat(expected[0]), TOL, "reference AdamW step 1");
    assertRun(Adam.adamW(new ConstantSchedule(LR), 0.1f).build(), VariableKind.WEIGHT, p0, grads, expected);
  }

  @Test
  void slotsAreNamedAfterTheVariable() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "w", VariableKind.WEIGHT, 1f);
      Adam.adam(new ConstantSchedule(LR)).amsgrad(true).build()
          .minimize(ctx, quadraticLoss(ctx.tf(), p.value(), new float[] {1f}, new float[] {0f}), List.of(p));
      for (String slot : List.of("w.exp_avg", "w.exp_avg_sq", "w.max_exp_avg_sq")) {
        assertTrue(ctx.variables().find(slot).isPresent(), slot);
      }
    }
  }

  @Test
  void rejectsInvalidHyperparameters() {
    assertThrows(DelineoException.class, () -> Adam.adam(new ConstantSchedule(LR)).betas(1f, 0.999f).build());
    assertThrows(DelineoException.class, () -> Adam.adam(new ConstantSchedule(LR)).eps(-1f).build());
    assertThrows(DelineoException.class, () -> Adam.adamW(new ConstantSchedule(LR), -0.1f).build());
  }

  /** Runs the optimizer on fed gradients and compares p after each step with {@code expected}. */
  private static void assertRun(
      Optimizer opt, VariableKind kind, float[] p0, float[][] grads, double[][] expected) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "head.conv.weight", kind, p0);
      Placeholder<TFloat32> grad =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(p0.length)));
      Op train = opt.applyGradients(ctx, List.of(new Gradient(p, grad)));
      try (Session s = new Session(g)) {
        s.initialize();
        for (int step = 0; step < grads.length; step++) {
          try (TFloat32 feed = Tensors.floats(Shape.of(p0.length), grads[step]);
              Result r = s.runner().feed(grad, feed).addTarget(train).run()) {
            // nothing fetched
          }
          assertClose(expected[step], fetch(s, p.value()), TOL, "p after step " + (step + 1));
        }
      }
    }
  }

  private static double[][] referenceRun(float[] p0, float[][] grads, Reference ref) {
    double[][] out = new double[grads.length][];
    double[] p = toDouble(p0);
    for (int step = 0; step < grads.length; step++) {
      p = ref.step(p, toDouble(grads[step]));
      out[step] = p;
    }
    return out;
  }

  private static double[] gradient(double[] p, float[] a, float[] c) {
    double[] g = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      g[i] = a[i] * (p[i] - c[i]);
    }
    return g;
  }

  private static double[] toDouble(float[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i];
    }
    return out;
  }

  private static float[] toFloat(double[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) x[i];
    }
    return out;
  }

  /** torch.optim.Adam / AdamW (single-tensor path) written out in double. */
  private static final class Reference {
    final double lr, b1, b2, eps, wd;
    final boolean amsgrad, decoupled;
    final double[] m, v, vmax;
    int t;

    Reference(int n, double lr, double b1, double b2, double eps, double wd, boolean amsgrad, boolean decoupled) {
      this.lr = lr;
      this.b1 = b1;
      this.b2 = b2;
      this.eps = eps;
      this.wd = wd;
      this.amsgrad = amsgrad;
      this.decoupled = decoupled;
      m = new double[n];
      v = new double[n];
      vmax = new double[n];
    }

    double[] step(double[] p, double[] grad) {
      t++;
      double bc1 = 1 - Math.pow(b1, t);
      double bc2 = 1 - Math.pow(b2, t);
      double[] out = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        double g = grad[i];
        double q = p[i];
        if (decoupled) {
          q = q * (1 - lr * wd);
        } else {
          g = g + wd * p[i];
        }
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double second = v[i];
        if (amsgrad) {
          vmax[i] = Math.max(vmax[i], v[i]);
          second = vmax[i];
        }
        double denom = Math.sqrt(second) / Math.sqrt(bc2) + eps;
        out[i] = q - (lr / bc1) * m[i] / denom;
      }
      return out;
    }
  }
}
