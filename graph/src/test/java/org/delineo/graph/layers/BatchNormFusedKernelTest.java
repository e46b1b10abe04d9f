package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * {@link BatchNorm} against a plain-Java batch norm (PyTorch's conventions) on tiny NC, NLC, NHWC
 * and NDHWC inputs: outputs in TRAIN and EVAL, the running statistics after one update from
 * non-trivial starting values with a non-default momentum, gradients against finite differences,
 * and that TRAIN runs on TensorFlow's fused kernel rather than a chain of primitive ops.
 */
class BatchNormFusedKernelTest {
  private static final double FORWARD_TOL = 1e-4;
  private static final double STATS_TOL = 1e-5;
  private static final float MOMENTUM = 0.3f;
  private static final float EPS = 1e-3f;

  private static final float[] WEIGHT = {1.5f, -0.5f, 0.8f};
  private static final float[] BIAS = {0.2f, 0.1f, -0.7f};
  private static final float[] RUNNING_MEAN = {0.4f, -0.6f, 1.1f};
  private static final float[] RUNNING_VAR = {0.8f, 1.7f, 0.25f};

  private static final Shape NC = Shape.of(4, 3);
  private static final Shape NLC = Shape.of(2, 3, 3);
  private static final Shape NHWC = Shape.of(2, 2, 2, 3);
  private static final Shape NDHWC = Shape.of(2, 2, 1, 2, 3);

  @Test
  void trainNormalisesWithTheBiasedBatchVarianceInEveryRank() {
    for (Shape shape : List.of(NC, NLC, NHWC, NDHWC)) {
      float[] x = uniform(shape.size(), shape.numDimensions(), -2, 3);
      try (Graph g = new Graph(); Session s = new Session(g)) {
        GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
        Operand<TFloat32> in = placeholder(ctx, shape.asArray());
        Operand<TFloat32> y = layer(true).apply(ctx, in);
        s.initialize();
        float[] out = withParameters(FeedAndFetch.on(s).feed(in, shape, x), ctx).fetch(y)[0];
        double[][] stats = channelStats(x, 3);
        assertClose(reference(x, stats[0], stats[1], true), out, FORWARD_TOL, "TRAIN output " + shape);
      }
    }
  }

  @Test
  void trainWithoutAffineOnlyStandardises() {
    float[] x = uniform(NHWC.size(), 11, -2, 3);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, NHWC.asArray());
      Operand<TFloat32> y = layer(false).apply(ctx, in);
      assertEquals(2, ctx.variables().all().size(), "running_mean and running_var only");
      s.initialize();
      float[] out = FeedAndFetch.on(s).feed(in, NHWC, x).fetch(y)[0];
      double[][] stats = channelStats(x, 3);
      assertClose(reference(x, stats[0], stats[1], false), out, FORWARD_TOL, "TRAIN output without affine");
    }
  }

  @Test
  void evalNormalisesWithTheRunningStatisticsInEveryRank() {
    double[] mean = toDoubles(RUNNING_MEAN);
    double[] var = toDoubles(RUNNING_VAR);
    for (Shape shape : List.of(NC, NLC, NHWC, NDHWC)) {
      float[] x = uniform(shape.size(), 20 + shape.numDimensions(), -2, 3);
      try (Graph g = new Graph(); Session s = new Session(g)) {
        GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
        Operand<TFloat32> in = placeholder(ctx, shape.asArray());
        Operand<TFloat32> y = layer(true).apply(ctx, in);
        assertTrue(ctx.updateOps().isEmpty(), "EVAL records no update");
        s.initialize();
        float[] out = withRunningStats(withParameters(FeedAndFetch.on(s).feed(in, shape, x), ctx), ctx)
            .fetch(y)[0];
        assertClose(reference(x, mean, var, true), out, FORWARD_TOL, "EVAL output " + shape);
      }
    }
  }

  @Test
  void oneUpdateMovesTheRunningStatisticsByMomentumTowardsTheUnbiasedBatchStatistics() {
    // The unknown batch size (-1) leaves n to the run, as in a PREDICT-shaped graph trained on.
    for (Shape shape : List.of(NC, NLC, NHWC, NDHWC, Shape.of(-1, 2, 2, 3))) {
      Shape fed = shape.size(0) < 0 ? NHWC : shape;
      float[] x = uniform(fed.size(), 40 + shape.numDimensions(), -2, 3);
      try (Graph g = new Graph(); Session s = new Session(g)) {
        GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
        Operand<TFloat32> in = placeholder(ctx, shape.asArray());
        layer(true).apply(ctx, in);
        assertEquals(2, ctx.updateOps().size(), "one update per running statistic");
        s.initialize();
        withRunningStats(FeedAndFetch.on(s).feed(in, fed, x), ctx).runTargets(ctx.updateOps());
        float[][] running =
            FeedAndFetch.on(s).fetch(read(ctx, "bn.running_mean"), read(ctx, "bn.running_var"));

        double[][] stats = channelStats(x, 3);
        int n = x.length / 3;
        for (int c = 0; c < 3; c++) {
          double unbiased = stats[1][c] * n / (n - 1);
          assertEquals(0.7 * RUNNING_MEAN[c] + 0.3 * stats[0][c], running[0][c], STATS_TOL,
              "running_mean[" + c + "] = 0.7·old + 0.3·batch mean, " + shape);
          assertEquals(0.7 * RUNNING_VAR[c] + 0.3 * unbiased, running[1][c], STATS_TOL,
              "running_var[" + c + "] = 0.7·old + 0.3·unbiased batch variance, " + shape);
        }
      }
    }
  }

  @Test
  void trainGradientsMatchFiniteDifferencesOnNhwcAndNdhwc() {
    for (Shape shape : List.of(NHWC, NDHWC)) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
        Operand<TFloat32> in = placeholder(ctx, shape.asArray());
        Operand<TFloat32> y = layer(true).apply(ctx, in);
        s.initialize();
        Operand<TFloat32> weight = read(ctx, "bn.weight");
        Operand<TFloat32> bias = read(ctx, "bn.bias");
        GradientCheck.on(g, s)
            .feed(in, shape, uniform(shape.size(), 60 + shape.numDimensions(), -2, 2))
            .feed(weight, Shape.of(3), WEIGHT)
            .feed(bias, Shape.of(3), BIAS)
            .check(y, List.of(in, weight, bias));
      }
    }
  }

  @Test
  void trainGradientOfRank2InputMatchesFiniteDifferences() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, NC.asArray());
      Operand<TFloat32> y = layer(true).apply(ctx, in);
      s.initialize();
      Operand<TFloat32> weight = read(ctx, "bn.weight");
      GradientCheck.on(g, s)
          .feed(in, NC, uniform(NC.size(), 70, -2, 2))
          .feed(weight, Shape.of(3), WEIGHT)
          .check(y, List.of(in, weight, read(ctx, "bn.bias")));
    }
  }

  @Test
  void trainBuildsOneFusedBatchNormAndNoComposedStatistics() {
    for (Shape shape : List.of(NHWC, NDHWC)) {
      try (Graph g = new Graph()) {
        GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
        layer(true).apply(ctx, placeholder(ctx, shape.asArray()));
        List<String> types = opTypes(g);
        assertEquals(1, types.stream().filter("FusedBatchNormV3"::equals).count(), shape + ": " + types);
        assertFalse(types.contains("Rsqrt"), shape + ": no rsqrt of a composed variance, found " + types);
        assertFalse(types.contains("SquaredDifference"), shape + ": no composed variance, found " + types);
        assertFalse(types.contains("Mean"), shape + ": no composed mean, found " + types);
      }
    }
  }

  @Test
  void trainingOnASingleValuePerChannelIsRefused() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      DelineoException e = assertThrows(
          DelineoException.class, () -> layer(true).apply(ctx, placeholder(ctx, 1, 1, 1, 3)));
      assertEquals("bn: training needs more than 1 value per channel, found input shape [1, 1, 1, 3]",
          e.getMessage());
    }
  }

  private static BatchNorm layer(boolean affine) {
    return new BatchNorm("bn", MOMENTUM, EPS, affine);
  }

  private static FeedAndFetch withParameters(FeedAndFetch f, GraphContext ctx) {
    return f.feed(read(ctx, "bn.weight"), Shape.of(3), WEIGHT).feed(read(ctx, "bn.bias"), Shape.of(3), BIAS);
  }

  private static FeedAndFetch withRunningStats(FeedAndFetch f, GraphContext ctx) {
    return f.feed(read(ctx, "bn.running_mean"), Shape.of(3), RUNNING_MEAN)
        .feed(read(ctx, "bn.running_var"), Shape.of(3), RUNNING_VAR);
  }

  /** (x − mean)/√(var + eps)·weight + bias per channel (the last axis), in double. */
  private static float[] reference(float[] x, double[] mean, double[] var, boolean affine) {
    int channels = mean.length;
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      int c = i % channels;
      double z = (x[i] - mean[c]) / Math.sqrt(var[c] + EPS);
      out[i] = (float) (affine ? z * WEIGHT[c] + BIAS[c] : z);
    }
    return out;
  }

  /** {means, biased variances} per channel of a channels-last array, two passes in double. */
  private static double[][] channelStats(float[] x, int channels) {
    double[] mean = new double[channels];
    double[] var = new double[channels];
    int n = x.length / channels;
    for (int i = 0; i < x.length; i++) {
      mean[i % channels] += x[i] / (double) n;
    }
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - mean[i % channels];
      var[i % channels] += d * d / n;
    }
    return new double[][] {mean, var};
  }

  private static double[] toDoubles(float[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static List<String> opTypes(Graph g) {
    List<String> types = new ArrayList<>();
    for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
      types.add(it.next().type());
    }
    return types;
  }
}
