package org.delineo.graph.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.GradientCheck;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** Small helpers shared by the layer tests: run one function of one input, check its gradient. */
final class LayerTestSupport {
  private LayerTestSupport() {}

  /** Builds f on a placeholder of {@code shape}, feeds {@code values} and returns f's values. */
  static float[] run(Shape shape, float[] values, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      // Identity so that f may return its input itself (a no-op resize or pool) and still be fetched.
      Operand<TFloat32> y = tf.identity(f.apply(tf, x));
      try (Session s = new Session(g);
          TFloat32 in = Tensors.floats(shape, values);
          Result r = s.runner().feed(x, in).fetch(y).run()) {
        return Tensors.toFloats(r, 0);
      }
    }
  }

  /**
   * Checks dΣ(f(x)·R)/dx against central differences at {@code values} with the harness defaults
   * (ε = 5e-3, scaled error ≤ 1e-2); returns the largest scaled error.
   */
  static double gradientCheck(
      Shape shape, float[] values, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> y = f.apply(tf, x);
      try (Session s = new Session(g)) {
        return GradientCheck.on(g, s)
            .feed(x, shape, values)
            .tolerance(GradientCheck.DEFAULT_TOLERANCE)
            .check(y, List.of(x));
      }
    }
  }

  /** Reproducible values uniform in [-1, 1). */
  static float[] randomValues(int n, long seed) {
    Random random = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextFloat() * 2 - 1;
    }
    return v;
  }

  /**
   * Distinct values k·0.05 (k = 0..n−1) in shuffled order: every pair differs by at least 0.05,
   * far more than the 2·ε finite-difference step, so max-pool winners never change during the check.
   */
  static float[] distinctValues(int n, long seed) {
    Random random = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * 0.05f - 1f;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      float t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    return v;
  }

  /** Asserts equal lengths and |expected − actual| ≤ tol everywhere, naming the first bad index. */
  static void assertClose(float[] expected, float[] actual, double tol) {
    assertEquals(expected.length, actual.length, "number of values");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol, "value " + i + " (tolerance " + tol + ")");
    }
  }
}
