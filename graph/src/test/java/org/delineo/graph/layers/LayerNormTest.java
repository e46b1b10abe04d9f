package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.gradientCheckLayer;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.VariableKind;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class LayerNormTest {
  private static final double FORWARD_TOL = 1e-4;
  private static final double GRAD_TOL = GradientCheck.DEFAULT_TOLERANCE; // 1e-2 scaled error, eps 5e-3

  @Test
  void normalisesEachTokenOverItsFeatures() {
    float[] x = uniform(24, 31, -3, 2);
    float[] w = {1.5f, -0.5f, 2f, 0.7f};
    float[] b = {0.2f, 0.1f, -0.3f, 0f};
    double eps = 1e-6;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, -1, 3, 4);
      Operand<TFloat32> y = new LayerNorm("ln", (float) eps).apply(ctx, in);
      assertEquals(VariableKind.NORM, ctx.variables().find("ln.weight").orElseThrow().kind());
      assertEquals(VariableKind.NORM, ctx.variables().find("ln.bias").orElseThrow().kind());
      s.initialize();
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(2, 3, 4), x)
          .feed(read(ctx, "ln.weight"), Shape.of(4), w)
          .feed(read(ctx, "ln.bias"), Shape.of(4), b)
          .fetch(y)[0];
      float[] expected = new float[x.length];
      for (int t = 0; t < 6; t++) {
        double mean = 0;
        for (int f = 0; f < 4; f++) {
          mean += x[t * 4 + f] / 4.0;
        }
        double var = 0;
        for (int f = 0; f < 4; f++) {
          var += (x[t * 4 + f] - mean) * (x[t * 4 + f] - mean) / 4.0;
        }
        for (int f = 0; f < 4; f++) {
          expected[t * 4 + f] = (float) ((x[t * 4 + f] - mean) / Math.sqrt(var + eps) * w[f] + b[f]);
        }
      }
      assertClose(expected, out, FORWARD_TOL, "layer norm output");
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    gradientCheckLayer(new LayerNorm("ln"), 1, Shape.of(2, 3, 4), uniform(24, 32, -2, 2), GRAD_TOL);
  }
}
