package org.delineo.graph.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Initializer statistics against PyTorch's nn.init definitions, on samples large enough that the
 * sample standard deviation is within a few percent of the true one (tolerance 6% relative).
 */
class InitializersTest {
  private static final Shape CONV = Shape.of(3, 3, 16, 32); // fan_in 144, fan_out 288
  private static final Shape LINEAR = Shape.of(100, 50); // fan_in 100, fan_out 50

  @Test
  void fansFollowTheHwioAndLinearLayouts() {
    assertEquals(new Fans(144, 288), Fans.of(CONV));
    assertEquals(new Fans(100, 50), Fans.of(LINEAR));
    assertEquals(new Fans(7, 7), Fans.of(Shape.of(7)));
  }

  @Test
  void kaimingNormalAndUniform() {
    assertStd(sample(Initializers.heNormal(), CONV), Math.sqrt(2.0 / 144));
    assertStd(sample(Initializers.heNormal(0.2f), CONV), Math.sqrt(2.0 / 1.04) / Math.sqrt(144));
    float[] u = sample(Initializers.heUniform(), CONV);
    double bound = Math.sqrt(6.0 / 144);
    assertWithin(u, bound);
    assertStd(u, bound / Math.sqrt(3)); // U(-b, b) has std b/√3
  }

  @Test
  void plainNormalAndKaimingFanOut() {
    assertStd(sample(Initializers.normal(0.01f), LINEAR), 0.01);
    // mmcv kaiming_init defaults (fan_out, ReLU): N(0, 2 / fan_out), fan_out = 3·3·32 = 288.
    assertStd(sample(Initializers.kaimingNormalFanOut(), CONV), Math.sqrt(2.0 / 288));
  }

  @Test
  void xavierNormalAndUniform() {
    assertStd(sample(Initializers.xavierNormal(), LINEAR), Math.sqrt(2.0 / 150));
    float[] u = sample(Initializers.xavierUniform(), LINEAR);
    double bound = Math.sqrt(6.0 / 150);
    assertWithin(u, bound);
    assertStd(u, bound / Math.sqrt(3));
  }

  @Test
  void truncatedNormalStaysWithinTwoStd() {
    float[] t = sample(Initializers.truncatedNormal(0.02f), LINEAR);
    assertWithin(t, 0.04);
    // A standard normal truncated to [-2, 2] has variance 1 − 4φ(2)/(2Φ(2) − 1) = 0.7737.
    assertStd(t, 0.02 * Math.sqrt(0.7737));
  }

  @Test
  void constants() {
    for (float v : sample(Initializers.zeros(), LINEAR)) {
      assertEquals(0f, v);
    }
    for (float v : sample(Initializers.ones(), LINEAR)) {
      assertEquals(1f, v);
    }
    for (float v : sample(Initializers.constant(0.25f), Shape.of(3))) {
      assertEquals(0.25f, v);
    }
  }

  private static float[] sample(Initializer init, Shape shape) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = init.create(tf, shape, 42);
      try (Session s = new Session(g); Result r = s.runner().fetch(x).run()) {
        return Tensors.toFloats(r, 0);
      }
    }
  }

  private static void assertStd(float[] v, double expected) {
    double mean = 0;
    for (float x : v) {
      mean += x;
    }
    mean /= v.length;
    double var = 0;
    for (float x : v) {
      var += (x - mean) * (x - mean);
    }
    double std = Math.sqrt(var / v.length);
    assertEquals(expected, std, 0.06 * expected, "standard deviation (6% relative tolerance)");
    assertEquals(0, mean, 0.1 * expected, "mean");
  }

  private static void assertWithin(float[] v, double bound) {
    for (float x : v) {
      assertTrue(Math.abs(x) <= bound + 1e-7, x + " outside ±" + bound);
    }
  }
}
