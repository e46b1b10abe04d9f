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

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class LinearTest {
  private static final double FORWARD_TOL = 1e-5;
  private static final double GRAD_TOL = GradientCheck.DEFAULT_TOLERANCE; // 1e-2 scaled error, eps 5e-3

  @Test
  void multipliesTheLastAxisOfARank3Input() {
    float[] x = uniform(2 * 3 * 4, 41, -1, 1);
    float[] bias = {0.1f, -0.2f, 0.3f, 0f, 0.5f};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, 2, 3, 4);
      Operand<TFloat32> y = new Linear("fc", 5).apply(ctx, in);
      assertEquals(Shape.of(2, 3, 5), y.shape());
      assertEquals(Shape.of(4, 5), ctx.variables().find("fc.weight").orElseThrow().shape());
      assertEquals(VariableKind.WEIGHT, ctx.variables().find("fc.weight").orElseThrow().kind());
      assertEquals(VariableKind.BIAS, ctx.variables().find("fc.bias").orElseThrow().kind());
      s.initialize();
      float[] w = FeedAndFetch.on(s).fetch(read(ctx, "fc.weight"))[0];
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(2, 3, 4), x)
          .feed(read(ctx, "fc.bias"), Shape.of(5), bias).fetch(y)[0];
      float[] expected = new float[2 * 3 * 5];
      for (int t = 0; t < 6; t++) {
        for (int o = 0; o < 5; o++) {
          double sum = bias[o];
          for (int i = 0; i < 4; i++) {
            sum += x[t * 4 + i] * w[i * 5 + o];
          }
          expected[t * 5 + o] = (float) sum;
        }
      }
      assertClose(expected, out, FORWARD_TOL, "linear output");
    }
  }

  @Test
  void defaultWeightIsTruncatedNormalWithStd002AndBiasIsZero() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      new Linear("fc", 64).apply(ctx, placeholder(ctx, 1, 32));
      s.initialize();
      float[][] v = FeedAndFetch.on(s).fetch(read(ctx, "fc.weight"), read(ctx, "fc.bias"));
      double sq = 0;
      for (float w : v[0]) {
        assertTrue(Math.abs(w) <= 0.04f + 1e-6, "truncated at two standard deviations: " + w);
        sq += w * w;
      }
      // A normal truncated at ±2σ has std 0.88σ; 2048 draws give it to within a few percent.
      double std = Math.sqrt(sq / v[0].length);
      assertEquals(0.88 * 0.02, std, 0.002, "empirical std of the weights");
      assertArrayEquals(new float[64], v[1]);
    }
  }

  @Test
  void biasInitializerSetsTheBiasAndTheWeightInitializerTheWeight() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      new Linear("fc", 3, Initializers.constant(0.25f), Initializers.constant(-0.5f))
          .apply(ctx, placeholder(ctx, 2, 4));
      s.initialize();
      float[][] values = FeedAndFetch.on(s).fetch(read(ctx, "fc.weight"), read(ctx, "fc.bias"));
      assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f,
          0.25f, 0.25f}, values[0]);
      assertArrayEquals(new float[] {-0.5f, -0.5f, -0.5f}, values[1]);
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    gradientCheckLayer(new Linear("fc", 3), 1, Shape.of(2, 1, 3, 4), uniform(24, 42, -1, 1), GRAD_TOL);
  }

  @Test
  void secondApplicationSharesVariablesAndKeepsDynamicShapes() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, -1, -1, 4);
      Linear fc = new Linear("fc", 3);
      Operand<TFloat32> first = fc.apply(ctx, in);
      int size = ctx.variables().all().size();
      Operand<TFloat32> second = fc.apply(ctx, in);
      assertEquals(2, size);
      assertEquals(size, ctx.variables().all().size(), "no new variables on the second application");
      assertArrayEquals(new long[] {-1, -1, 3}, first.shape().asArray(), "static output shape from dynamic leading axes");
      s.initialize();
      float[][] out = FeedAndFetch.on(s).feed(in, Shape.of(2, 2, 4), uniform(16, 43, -1, 1))
          .fetch(first, second);
      assertEquals(12, out[0].length);
      assertArrayEquals(out[0], out[1]);
      assertThrows(ShapeMismatchException.class, () -> fc.apply(ctx, placeholder(ctx, 2, 5)),
          "reusing fc.weight with another input width");
    }
  }

  @Test
  void withoutBiasCreatesOnlyTheWeight() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      new Linear("fc", 3, false).apply(ctx, placeholder(ctx, 2, 4));
      assertEquals(1, ctx.variables().all().size());
      assertEquals(12, ctx.variables().trainableParameterCount());
    }
  }
}
