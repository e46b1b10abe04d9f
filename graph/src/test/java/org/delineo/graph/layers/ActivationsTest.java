package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.evaluate;
import static org.delineo.graph.layers.LayerTesting.gradientCheck;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

class ActivationsTest {
  /** Forward values against Java double formulas: float32 rounding of values up to ~8. */
  private static final double VALUE_TOL = 1e-5;

  /** Points at least 0.3 away from the kinks at 0 (relu, leaky relu) and 6 (relu6). */
  private static final float[] X = {-2.3f, -1.1f, -0.4f, 0.3f, 0.9f, 1.7f, 4.2f, 7.5f};
  private static final Shape SHAPE = Shape.of(1, 2, 2, 2);

  private static float[] map(DoubleUnaryOperator f) {
    float[] y = new float[X.length];
    for (int i = 0; i < X.length; i++) {
      y[i] = (float) f.applyAsDouble(X[i]);
    }
    return y;
  }

  /** Standard normal CDF by Simpson's rule on the density from −10 (independent of any erf). */
  private static double normalCdf(double x) {
    int steps = 20000;
    double a = -10;
    double h = (x - a) / steps;
    double sum = 0;
    for (int k = 0; k <= steps; k++) {
      double t = a + k * h;
      double weight = (k == 0 || k == steps) ? 1 : (k % 2 == 1 ? 4 : 2);
      sum += weight * Math.exp(-t * t / 2);
    }
    return sum * h / 3 / Math.sqrt(2 * Math.PI);
  }

  @Test
  void valuesMatchClosedForms() {
    assertClose(map(v -> Math.max(v, 0)), evaluate(SHAPE, X, Activations::relu), VALUE_TOL, "relu");
    assertClose(map(v -> Math.min(Math.max(v, 0), 6)), evaluate(SHAPE, X, Activations::relu6),
        VALUE_TOL, "relu6");
    assertClose(map(v -> v >= 0 ? v : 0.2 * v), evaluate(SHAPE, X, (tf, x) -> Activations.leakyRelu(tf, x, 0.2f)),
        VALUE_TOL, "leaky relu 0.2");
    assertClose(map(v -> v * normalCdf(v)), evaluate(SHAPE, X, Activations::gelu), VALUE_TOL, "gelu");
    assertClose(map(v -> 1 / (1 + Math.exp(-v))), evaluate(SHAPE, X, Activations::sigmoid),
        VALUE_TOL, "sigmoid");
    assertClose(map(Math::tanh), evaluate(SHAPE, X, Activations::tanh), VALUE_TOL, "tanh");
  }

  @Test
  void softmaxNormalisesTheLastAxis() {
    float[] expected = new float[X.length];
    for (int pair = 0; pair < X.length; pair += 2) {
      double a = Math.exp(X[pair]);
      double b = Math.exp(X[pair + 1]);
      expected[pair] = (float) (a / (a + b));
      expected[pair + 1] = (float) (b / (a + b));
    }
    assertClose(expected, evaluate(SHAPE, X, Activations::softmax), VALUE_TOL, "softmax over the last axis");
  }

  @Test
  void gradientsAwayFromKinks() {
    // Harness defaults: ε = 5e-3, scaled error ≤ 1e-2.
    gradientCheck(SHAPE, X, Activations::relu);
    gradientCheck(SHAPE, X, Activations::relu6);
    gradientCheck(SHAPE, X, (tf, x) -> Activations.leakyRelu(tf, x, 0.2f));
    gradientCheck(SHAPE, X, Activations::gelu);
    gradientCheck(SHAPE, X, Activations::sigmoid);
    gradientCheck(SHAPE, X, Activations::tanh);
    gradientCheck(SHAPE, X, Activations::softmax);
  }
}
