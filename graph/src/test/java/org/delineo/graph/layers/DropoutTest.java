package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class DropoutTest {
  private static final float RATE = 0.3f;
  private static final double TOL = 1e-5; // float32 rounding of x·mask/(1 − rate)

  @Test
  void evalPredictAndRateZeroAreIdentity() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> x = placeholder(ctx, 2, 3);
      assertSame(x, new Dropout("drop", RATE).apply(ctx, x));
      assertSame(x, new Dropout("drop", RATE).apply(ctx.withMode(Mode.PREDICT), x));
      assertSame(x, new Dropout("drop", 0f).apply(ctx.withMode(Mode.TRAIN), x));
    }
  }

  @Test
  void trainOutputAndGradientFollowOneMaskInTheSameRun() {
    int n = 200;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = 0.5f + i % 7; // non-zero, so the mask is visible in the output
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, 4, 50);
      Operand<TFloat32> y = new Dropout("drop", RATE).apply(ctx, in);
      Operand<TFloat32> grad = gradientOfSum(g, ctx, y, in);
      float[][] out = FeedAndFetch.on(s).feed(in, Shape.of(4, 50), x).fetch(y, grad);
      float scale = 1f / (1f - RATE);
      int kept = 0;
      for (int i = 0; i < n; i++) {
        float m = out[1][i];
        assertTrue(Math.abs(m) < TOL || Math.abs(m - scale) < TOL, "d(Σy)/dx ∈ {0, 1/(1−rate)}, found " + m);
        assertEquals(x[i] * m, out[0][i], TOL * 10, "y = x·mask/(1−rate) at " + i);
        kept += m > 0 ? 1 : 0;
      }
      assertTrue(kept > 0 && kept < n, "some kept, some dropped: " + kept);
    }
  }

  @Test
  void keepsAboutOneMinusRateOfElements() {
    float[] mask = masks(4000, 5)[0];
    long kept = 0;
    for (float m : mask) {
      kept += m > 0 ? 1 : 0;
    }
    double fraction = kept / 4000.0;
    assertEquals(1 - RATE, fraction, 0.1, "kept fraction (loose bound ±0.1 on 4000 elements)");
  }

  @Test
  void identicallyBuiltGraphsDrawIdenticalMasks() {
    float[][] first = masks(64, 7);
    float[][] second = masks(64, 7);
    assertArrayEquals(first[0], second[0], "first run of two sessions over identical graphs");
    assertArrayEquals(first[1], second[1], "second run");
    assertFalse(Arrays.equals(first[0], first[1]), "a new mask on each run of a session");
    assertFalse(Arrays.equals(first[0], masks(64, 8)[0]), "another graph seed draws another mask");
  }

  @Test
  void secondApplicationInOneGraphDrawsAnIndependentMask() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> ones = ctx.tf().fill(ctx.tf().constant(new int[] {64}), ctx.tf().constant(1f));
      Dropout drop = new Dropout("drop", 0.5f);
      float[][] out = FeedAndFetch.on(s).fetch(drop.apply(ctx, ones), drop.apply(ctx, ones));
      assertFalse(Arrays.equals(out[0], out[1]));
    }
  }

  @Test
  void rejectsRatesOutsideZeroToOne() {
    assertThrows(DelineoException.class, () -> new Dropout("drop", 1f));
    assertThrows(DelineoException.class, () -> new Dropout("drop", -0.1f));
  }

  /** Two consecutive runs' masks (dropout of ones) from a freshly built graph. */
  private static float[][] masks(int n, long graphSeed) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, graphSeed);
      Operand<TFloat32> ones = ctx.tf().fill(ctx.tf().constant(new int[] {n}), ctx.tf().constant(1f));
      Operand<TFloat32> y = new Dropout("block.drop", RATE).apply(ctx, ones);
      return new float[][] {FeedAndFetch.on(s).fetch(y)[0], FeedAndFetch.on(s).fetch(y)[0]};
    }
  }

  @SuppressWarnings("unchecked")
  static Operand<TFloat32> gradientOfSum(Graph g, GraphContext ctx, Operand<TFloat32> y, Operand<TFloat32> x) {
    Operand<TFloat32> sum = ctx.tf().reduceSum(y, ctx.tf().constant(LayerTesting.allAxes(y)));
    Output<?>[] grads = g.addGradients(sum.asOutput(), new Output<?>[] {x.asOutput()});
    return (Operand<TFloat32>) grads[0];
  }
}
