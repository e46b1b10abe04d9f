package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Mode;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class MlpTest {
  private static final double FORWARD_TOL = 1e-5;
  private static final double GRAD_TOL = GradientCheck.DEFAULT_TOLERANCE; // 1e-2 scaled error, eps 5e-3

  @Test
  void evalIsFc1GeluFc2WithTimmNames() {
    float[] x = uniform(3 * 4, 51, -2, 2);
    // Weights large enough that GELU's curved part is exercised.
    float[] w1 = uniform(4 * 6, 52, -1, 1);
    float[] b1 = uniform(6, 53, -0.5, 0.5);
    float[] w2 = uniform(6 * 4, 54, -1, 1);
    float[] b2 = uniform(4, 55, -0.5, 0.5);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> in = placeholder(ctx, 1, 3, 4);
      Operand<TFloat32> y = new Mlp("block.mlp", 6, 4, 0.3f).apply(ctx, in);
      assertEquals(
          List.of("block.mlp.fc1.weight", "block.mlp.fc1.bias", "block.mlp.fc2.weight", "block.mlp.fc2.bias"),
          ctx.variables().all().stream().map(ModelVariable::name).toList());
      s.initialize();
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(1, 3, 4), x)
          .feed(read(ctx, "block.mlp.fc1.weight"), Shape.of(4, 6), w1)
          .feed(read(ctx, "block.mlp.fc1.bias"), Shape.of(6), b1)
          .feed(read(ctx, "block.mlp.fc2.weight"), Shape.of(6, 4), w2)
          .feed(read(ctx, "block.mlp.fc2.bias"), Shape.of(4), b2)
          .fetch(y)[0];
      float[] expected = new float[3 * 4];
      for (int t = 0; t < 3; t++) {
        double[] h = new double[6];
        for (int j = 0; j < 6; j++) {
          double z = b1[j];
          for (int i = 0; i < 4; i++) {
            z += x[t * 4 + i] * w1[i * 6 + j];
          }
          h[j] = 0.5 * z * (1 + erf(z / Math.sqrt(2)));
        }
        for (int o = 0; o < 4; o++) {
          double z = b2[o];
          for (int j = 0; j < 6; j++) {
            z += h[j] * w2[j * 4 + o];
          }
          expected[t * 4 + o] = (float) z;
        }
      }
      assertClose(expected, out, FORWARD_TOL, "MLP output (dropout inactive in EVAL)");
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, 1, 3, 4);
      // Dropout 0 so that TRAIN is deterministic and finite differences apply.
      Operand<TFloat32> y = new Mlp("mlp", 5, 3, 0f).apply(ctx, in);
      s.initialize();
      GradientCheck.on(g, s)
          .feed(in, Shape.of(1, 3, 4), uniform(12, 56, -2, 2))
          .feed(read(ctx, "mlp.fc1.weight"), Shape.of(4, 5), uniform(20, 57, -1, 1))
          .feed(read(ctx, "mlp.fc2.weight"), Shape.of(5, 3), uniform(15, 58, -1, 1))
          .tolerance(GRAD_TOL)
          .check(y, List.of(in, read(ctx, "mlp.fc1.weight"), read(ctx, "mlp.fc1.bias"),
              read(ctx, "mlp.fc2.weight"), read(ctx, "mlp.fc2.bias")));
    }
  }

  /** erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7). */
  private static double erf(double z) {
    double t = 1 / (1 + 0.3275911 * Math.abs(z));
    double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    double r = 1 - poly * Math.exp(-z * z);
    return z >= 0 ? r : -r;
  }
}
