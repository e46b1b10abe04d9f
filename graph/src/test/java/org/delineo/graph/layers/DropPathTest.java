package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class DropPathTest {
  private static final float RATE = 0.5f;
  private static final double TOL = 1e-5; // float32 rounding of x·mask/(1 − rate)

  @Test
  void evalAndPredictAreIdentity() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> x = placeholder(ctx, 2, 3, 4);
      assertSame(x, new DropPath("dp", RATE).apply(ctx, x));
      assertSame(x, new DropPath("dp", RATE).apply(ctx.withMode(Mode.PREDICT), x));
    }
  }

  @Test
  void trainDropsWholeSamplesAndGradientFollowsTheSameMask() {
    int batch = 64;
    int perSample = 2 * 3 * 2;
    float[] x = uniform(batch * perSample, 71, 0.5, 2);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, -1, 2, 3, 2);
      Operand<TFloat32> y = new DropPath("blocks.3.drop_path", RATE).apply(ctx, in);
      Operand<TFloat32> grad = DropoutTest.gradientOfSum(g, ctx, y, in);
      float[][] out = FeedAndFetch.on(s).feed(in, Shape.of(batch, 2, 3, 2), x).fetch(y, grad);
      float scale = 1f / (1f - RATE);
      int kept = 0;
      for (int n = 0; n < batch; n++) {
        float m = out[1][n * perSample];
        assertTrue(Math.abs(m) < TOL || Math.abs(m - scale) < TOL, "mask value ∈ {0, 1/(1−rate)}, found " + m);
        for (int i = n * perSample; i < (n + 1) * perSample; i++) {
          assertEquals(m, out[1][i], TOL, "one mask value per sample (sample " + n + ")");
          assertEquals(x[i] * m, out[0][i], TOL * 10, "y = x·mask/(1−rate) at " + i);
        }
        kept += m > 0 ? 1 : 0;
      }
      assertEquals(1 - RATE, kept / (double) batch, 0.25, "kept fraction of 64 samples (4σ bound)");
    }
  }

  @Test
  void identicallyBuiltGraphsDrawIdenticalMasks() {
    assertArrayEquals(mask(3), mask(3));
  }

  private static float[] mask(long seed) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, seed);
      Operand<TFloat32> ones = ctx.tf().fill(ctx.tf().constant(new int[] {32, 2}), ctx.tf().constant(1f));
      return FeedAndFetch.on(s).fetch(new DropPath("dp", RATE).apply(ctx, ones))[0];
    }
  }
}
