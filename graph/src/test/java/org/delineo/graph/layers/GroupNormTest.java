package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.gradientCheckLayer;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class GroupNormTest {
  private static final double FORWARD_TOL = 1e-4;
  private static final double GRAD_TOL = GradientCheck.DEFAULT_TOLERANCE; // 1e-2 scaled error, eps 5e-3

  @Test
  void matchesPlainJavaGroupStatisticsOn4dInput() {
    // NHWC [2, 2, 1, 4], 2 groups of 2 channels: each (sample, group) normalised over 2·1·2 values.
    float[] x = uniform(16, 11, -2, 3);
    float[] w = {1.5f, -0.5f, 2f, 0.7f};
    float[] b = {0.2f, 0.1f, -0.3f, 0.0f};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, 2, 2, 1, 4);
      Operand<TFloat32> y = new GroupNorm("gn", 2).apply(ctx, in);
      s.initialize();
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(2, 2, 1, 4), x)
          .feed(read(ctx, "gn.weight"), Shape.of(4), w)
          .feed(read(ctx, "gn.bias"), Shape.of(4), b)
          .fetch(y)[0];
      assertClose(reference(x, 2, 4, 2, w, b, 1e-5), out, FORWARD_TOL, "group norm output");
    }
  }

  @Test
  void handlesDynamicLeadingAxesOn5dInput() {
    // [N, D, H, W, C] with N and D unknown at build time: the reshape target is built from shape(x).
    float[] x = uniform(2 * 2 * 1 * 2 * 6, 12, -1, 1);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> in = placeholder(ctx, -1, -1, 1, 2, 6);
      Operand<TFloat32> y = new GroupNorm("gn", 3, 1e-5f, false).apply(ctx, in);
      assertArrayEquals(new long[] {-1, -1, 1, 2, 6}, y.shape().asArray(), "static shape kept");
      assertTrue(ctx.variables().all().isEmpty(), "no affine variables");
      s.initialize();
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(2, 2, 1, 2, 6), x).fetch(y)[0];
      float[] ones = {1, 1, 1, 1, 1, 1};
      float[] zeros = new float[6];
      assertClose(reference(x, 2, 6, 3, ones, zeros, 1e-5), out, FORWARD_TOL, "5-D group norm output");
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    gradientCheckLayer(new GroupNorm("gn", 2), 1, Shape.of(2, 2, 2, 4), uniform(32, 13, -2, 2), GRAD_TOL);
  }

  @Test
  void rejectsChannelsNotDivisibleByGroups() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      DelineoException e = assertThrows(DelineoException.class,
          () -> new GroupNorm("head.gn", 4).apply(ctx, placeholder(ctx, 1, 2, 2, 6)));
      assertTrue(e.getMessage().contains("head.gn") && e.getMessage().contains("4")
          && e.getMessage().contains("found 6"), e.getMessage());
    }
  }

  /** Channels-last group norm: per sample, per group of C/G consecutive channels over all positions. */
  static float[] reference(float[] x, int batch, int channels, int groups, float[] w, float[] b, double eps) {
    int perSample = x.length / batch;
    int perGroup = channels / groups;
    float[] out = new float[x.length];
    for (int n = 0; n < batch; n++) {
      for (int grp = 0; grp < groups; grp++) {
        double sum = 0;
        int count = 0;
        for (int i = 0; i < perSample; i++) {
          if ((i % channels) / perGroup == grp) {
            sum += x[n * perSample + i];
            count++;
          }
        }
        double mean = sum / count;
        double sq = 0;
        for (int i = 0; i < perSample; i++) {
          if ((i % channels) / perGroup == grp) {
            double d = x[n * perSample + i] - mean;
            sq += d * d;
          }
        }
        double inv = 1 / Math.sqrt(sq / count + eps);
        for (int i = 0; i < perSample; i++) {
          int c = i % channels;
          if (c / perGroup == grp) {
            out[n * perSample + i] = (float) ((x[n * perSample + i] - mean) * inv * w[c] + b[c]);
          }
        }
      }
    }
    return out;
  }
}
