package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.gradientCheckLayer;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class BatchNormTest {
  private static final double FORWARD_TOL = 1e-4;
  private static final double GRAD_TOL = GradientCheck.DEFAULT_TOLERANCE; // 1e-2 scaled error, eps 5e-3

  // NHWC [2, 2, 1, 2]: channel = index % 2, four values per channel.
  private static final Shape X_SHAPE = Shape.of(2, 2, 1, 2);
  private static final float[] X = {0.5f, -1f, 1.5f, 2f, -0.3f, 0.7f, 2.2f, -0.4f};
  private static final float[] WEIGHT = {1.5f, -0.5f};
  private static final float[] BIAS = {0.2f, 0.1f};

  @Test
  void trainNormalisesWithBatchStatisticsAndUpdatesRunningStats() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> x = placeholder(ctx, 2, 2, 1, 2);
      Operand<TFloat32> y = new BatchNorm("bn").apply(ctx, x);
      assertEquals(2, ctx.updateOps().size(), "one assign per running statistic");
      s.initialize();

      float[] y0 = FeedAndFetch.on(s).feed(x, X_SHAPE, X)
          .feed(read(ctx, "bn.weight"), Shape.of(2), WEIGHT)
          .feed(read(ctx, "bn.bias"), Shape.of(2), BIAS)
          .fetch(y)[0];
      double[][] stats = channelStats(X, 2);
      float[] expected = new float[X.length];
      for (int i = 0; i < X.length; i++) {
        int c = i % 2;
        expected[i] = (float) ((X[i] - stats[c][0]) / Math.sqrt(stats[c][1] + 1e-5) * WEIGHT[c] + BIAS[c]);
      }
      assertClose(expected, y0, FORWARD_TOL, "TRAIN output");

      FeedAndFetch.on(s).feed(x, X_SHAPE, X).runTargets(ctx.updateOps());
      float[][] running = FeedAndFetch.on(s).fetch(read(ctx, "bn.running_mean"), read(ctx, "bn.running_var"));
      for (int c = 0; c < 2; c++) {
        double unbiased = stats[c][1] * 4 / 3;
        assertEquals(0.1 * stats[c][0], running[0][c], 1e-5, "running_mean = 0.9·0 + 0.1·mean");
        assertEquals(0.9 + 0.1 * unbiased, running[1][c], 1e-5, "running_var = 0.9·1 + 0.1·unbiased var");
      }
    }
  }

  @Test
  void evalUsesRunningStatisticsAndRecordsNoUpdates() {
    float[] mean = {0.3f, -0.2f};
    float[] var = {0.5f, 2.0f};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> x = placeholder(ctx, 2, 2, 1, 2);
      Operand<TFloat32> y = new BatchNorm("bn").apply(ctx, x);
      assertTrue(ctx.updateOps().isEmpty());
      s.initialize();
      float[] y0 = FeedAndFetch.on(s).feed(x, X_SHAPE, X)
          .feed(read(ctx, "bn.weight"), Shape.of(2), WEIGHT)
          .feed(read(ctx, "bn.bias"), Shape.of(2), BIAS)
          .feed(read(ctx, "bn.running_mean"), Shape.of(2), mean)
          .feed(read(ctx, "bn.running_var"), Shape.of(2), var)
          .fetch(y)[0];
      float[] expected = new float[X.length];
      for (int i = 0; i < X.length; i++) {
        int c = i % 2;
        expected[i] = (float) ((X[i] - mean[c]) / Math.sqrt(var[c] + 1e-5) * WEIGHT[c] + BIAS[c]);
      }
      assertClose(expected, y0, FORWARD_TOL, "EVAL output");
    }
  }

  @Test
  void trainGradientMatchesFiniteDifferencesOn5dInput() {
    gradientCheckLayer(new BatchNorm("bn"), 1, Shape.of(2, 2, 1, 2, 3), uniform(24, 3, -2, 2), GRAD_TOL);
  }

  @Test
  void evalGradientMatchesFiniteDifferences() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> x = placeholder(ctx, 3, 2);
      Operand<TFloat32> y = new BatchNorm("bn").apply(ctx, x);
      s.initialize();
      GradientCheck.on(g, s)
          .feed(x, Shape.of(3, 2), uniform(6, 4, -2, 2))
          .feed(read(ctx, "bn.running_mean"), Shape.of(2), new float[] {0.3f, -0.2f})
          .feed(read(ctx, "bn.running_var"), Shape.of(2), new float[] {0.5f, 2f})
          .tolerance(GRAD_TOL)
          .check(y, List.of(x, read(ctx, "bn.weight"), read(ctx, "bn.bias")));
    }
  }

  @Test
  void secondApplicationSharesVariables() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> x = placeholder(ctx, 2, 2, 1, 2);
      BatchNorm bn = new BatchNorm("bn");
      Operand<TFloat32> first = bn.apply(ctx, x);
      int size = ctx.variables().all().size();
      Operand<TFloat32> second = bn.apply(ctx, x);
      assertEquals(4, size);
      assertEquals(size, ctx.variables().all().size(), "no new variables on the second application");
      assertEquals(VariableKind.STATE, ctx.variables().find("bn.running_var").orElseThrow().kind());
      assertEquals(VariableKind.NORM, ctx.variables().find("bn.weight").orElseThrow().kind());
      s.initialize();
      float[][] out = FeedAndFetch.on(s).feed(x, X_SHAPE, X).fetch(first, second);
      assertArrayEquals(out[0], out[1]);
    }
  }

  @Test
  void rejectsUnknownChannelsAndBadRank() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      assertThrows(ShapeMismatchException.class, () -> new BatchNorm("bn").apply(ctx, placeholder(ctx, 2, -1)));
      assertThrows(ShapeMismatchException.class, () -> new BatchNorm("bn").apply(ctx, placeholder(ctx, 4)));
    }
  }

  /** {mean, biased variance} per channel of a channels-last array. */
  private static double[][] channelStats(float[] x, int channels) {
    double[][] out = new double[channels][2];
    int n = x.length / channels;
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      for (int i = c; i < x.length; i += channels) {
        sum += x[i];
      }
      double mean = sum / n;
      double sq = 0;
      for (int i = c; i < x.length; i += channels) {
        sq += (x[i] - mean) * (x[i] - mean);
      }
      out[c][0] = mean;
      out[c][1] = sq / n;
    }
    return out;
  }
}
