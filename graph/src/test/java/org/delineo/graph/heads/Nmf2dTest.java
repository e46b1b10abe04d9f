package org.delineo.graph.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.PlainSegNeXt;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * SegNeXt's NMF2D against mmseg 1.2.2's {@code ham_head.py}: the multiplicative updates (7 steps in
 * EVAL, 6 in TRAIN, then one more coefficient update, inv_t 1) against a plain-Java loop from fed
 * bases; the bases (uniform, L2-normalised along D) and how they are keyed: fixed in EVAL whatever
 * the graph seed, by the random step in TRAIN; and gradients through every step.
 */
class Nmf2dTest {
  private static final int B = 2;
  private static final int H = 3;
  private static final int W = 4;
  private static final int D = 5;
  private static final int R = 3;

  @Test
  void evalAndTrainIterationsMatchPlainJavaFromFedBases() {
    float[] x = uniform(B * H * W * D, 1, 0, 1); // what ham_in's ReLU hands the ham: non-negative
    float[] bases = normalisedBases(2);
    for (Mode mode : List.of(Mode.EVAL, Mode.TRAIN)) {
      int steps = mode == Mode.EVAL ? 7 : 6;
      try (Graph g = new Graph(); Session s = new Session(g)) {
        GraphContext ctx = GraphContext.create(g, mode, 3);
        Operand<TFloat32> in = placeholder(ctx, B, H, W, D);
        Operand<TFloat32> y = new Nmf2d("ham", R, 6, 7).apply(ctx, in);
        assertEquals(Shape.of(B, H, W, D), y.shape());
        try (TFloat32 xt = Tensors.floats(Shape.of(B, H, W, D), x);
            TFloat32 bt = Tensors.floats(Shape.of(B, D, R), bases);
            Result r = s.runner().feed(in, xt).feed("ham.bases", bt).fetch(y).run()) {
          float[] out = Tensors.toFloats(r.get(0));
          for (int b = 0; b < B; b++) {
            double[][] expected = PlainSegNeXt.nmf(sampleDn(x, b), sampleDr(bases, b), steps);
            for (int n = 0; n < H * W; n++) {
              for (int d = 0; d < D; d++) {
                double e = expected[d][n];
                float a = out[(b * H * W + n) * D + d];
                if (!(Math.abs(e - a) <= 1e-5 * Math.max(Math.abs(e), 1))) {
                  fail(mode + " sample " + b + " (n " + n + ", d " + d + "): expected " + e + ", found " + a);
                }
              }
            }
          }
        }
      }
    }
  }

  @Test
  void theStepCountsAreTheReferences() {
    Nmf2d ham = new Nmf2d("ham", R, 6, 7);
    try (Graph g = new Graph()) {
      GraphContext train = GraphContext.create(g, Mode.TRAIN, 0);
      assertEquals(6, ham.steps(train));
      assertEquals(7, ham.steps(train.withMode(Mode.EVAL)));
      assertEquals(7, ham.steps(train.withMode(Mode.PREDICT)));
    }
    assertThrows(DelineoException.class, () -> new Nmf2d("ham", 0, 6, 7));
  }

  @Test
  void evalBasesAreUnitColumnsSharedByTheBatchAndFixedAcrossGraphSeedsAndSessions() {
    float[] first = evalBases(11);
    float[] again = evalBases(11);
    float[] otherSeed = evalBases(12);
    assertArrayEquals(first, again, "same graph twice");
    assertArrayEquals(first, otherSeed, "the graph seed does not key EVAL bases");
    assertUnitNonNegativeColumns(first);
    assertArrayEquals(Arrays.copyOfRange(first, 0, D * R), Arrays.copyOfRange(first, D * R, 2 * D * R),
        "every sample gets the same EVAL bases");
  }

  @Test
  void trainBasesAreKeyedByTheRandomStepAndTheLayerSeed() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext root = GraphContext.create(g, Mode.TRAIN, 4);
      Operand<TInt64> step = root.tf().placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      Operand<TFloat32> in = placeholder(root, B, H, W, D);
      new Nmf2d("ham", R, 6, 7).apply(root.withRandomStep(step), in);
      float[] step5 = trainBases(s, in, step, 5);
      assertArrayEquals(step5, trainBases(s, in, step, 5), "the same step draws the same bases");
      assertFalse(Arrays.equals(step5, trainBases(s, in, step, 6)), "another step draws others");
      assertFalse(Arrays.equals(Arrays.copyOfRange(step5, 0, D * R), Arrays.copyOfRange(step5, D * R, 2 * D * R)),
          "one draw per sample, as mmseg's torch.rand((B * S, D, R))");
      assertUnitNonNegativeColumns(step5);
    }
  }

  @Test
  void gradientsFlowThroughEveryStep() {
    // A finite-difference check fails if any step ran without gradient (as the original SegNeXt's
    // no_grad steps would): the analytic gradient would then miss those steps' dependence on x.
    for (Mode mode : List.of(Mode.TRAIN, Mode.EVAL)) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        GraphContext ctx = GraphContext.create(g, mode, 3);
        Operand<TFloat32> in = placeholder(ctx, 1, 2, 3, 4);
        Operand<TFloat32> y = new Nmf2d("ham", 2, 6, 7).apply(ctx, in);
        GradientCheck.on(g, s).feed(in, Shape.of(1, 2, 3, 4), uniform(24, 5, 0.2, 1.0))
            .eps(1e-3).check(y, List.of(in));
      }
    }
  }

  private static float[] evalBases(long graphSeed) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, graphSeed);
      Operand<TFloat32> in = placeholder(ctx, B, H, W, D);
      new Nmf2d("decode_head.hamburger.ham", R, 6, 7).apply(ctx, in);
      try (TFloat32 xt = Tensors.floats(Shape.of(B, H, W, D), uniform(B * H * W * D, 1, 0, 1));
          Result r = s.runner().feed(in, xt).fetch("decode_head.hamburger.ham.bases").run()) {
        return Tensors.toFloats(r.get(0));
      }
    }
  }

  /** The TRAIN bases at {@code value}; they depend on the input only through its batch size. */
  private static float[] trainBases(Session s, Operand<TFloat32> in, Operand<TInt64> step, long value) {
    try (TInt64 t = TInt64.scalarOf(value);
        TFloat32 xt = Tensors.floats(Shape.of(B, H, W, D), new float[B * H * W * D]);
        Result r = s.runner().feed(step, t).feed(in, xt).fetch("ham.bases").run()) {
      return Tensors.toFloats(r.get(0));
    }
  }

  /** Every (sample, r) column over D is non-negative with unit L2 norm (rand, then F.normalize(dim=1)). */
  private static void assertUnitNonNegativeColumns(float[] bases) {
    assertEquals(B * D * R, bases.length);
    for (int b = 0; b < B; b++) {
      for (int k = 0; k < R; k++) {
        double sq = 0;
        for (int d = 0; d < D; d++) {
          float v = bases[(b * D + d) * R + k];
          assertTrue(v >= 0 && v < 1, "uniform [0, 1) before normalising: " + v);
          sq += v * v;
        }
        assertEquals(1.0, Math.sqrt(sq), 1e-6, "column norm");
      }
    }
  }

  /** Uniform [0, 1) bases [B, D, R], each column divided by its L2 norm (mmseg's rand_init). */
  private static float[] normalisedBases(long seed) {
    float[] v = uniform(B * D * R, seed, 0, 1);
    for (int b = 0; b < B; b++) {
      for (int k = 0; k < R; k++) {
        double sq = 0;
        for (int d = 0; d < D; d++) {
          sq += v[(b * D + d) * R + k] * v[(b * D + d) * R + k];
        }
        for (int d = 0; d < D; d++) {
          v[(b * D + d) * R + k] /= (float) Math.sqrt(sq);
        }
      }
    }
    return v;
  }

  /** Sample b of NHWC x as mmseg's x.view(D, N). */
  private static double[][] sampleDn(float[] x, int b) {
    double[][] m = new double[D][H * W];
    for (int n = 0; n < H * W; n++) {
      for (int d = 0; d < D; d++) {
        m[d][n] = x[(b * H * W + n) * D + d];
      }
    }
    return m;
  }

  private static double[][] sampleDr(float[] bases, int b) {
    double[][] m = new double[D][R];
    for (int d = 0; d < D; d++) {
      for (int k = 0; k < R; k++) {
        m[d][k] = bases[(b * D + d) * R + k];
      }
    }
    return m;
  }

  private static Operand<TFloat32> placeholder(GraphContext ctx, long... dims) {
    return ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  static float[] uniform(int n, long seed, double lo, double hi) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return out;
  }
}
