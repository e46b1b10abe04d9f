package org.delineo.losses.prism;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.GradientCheck;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Test helpers for the PRISM losses: run a graph of constants, check gradients, and the plain-Java
 * building blocks (softmax, one-hot, random values) of the independent reference formulas.
 * Flattened arrays are row-major channels-last: index (sample·voxels + voxel)·C + channel.
 */
final class PrismTesting {
  private PrismTesting() {}

  /** Builds f in a fresh graph, runs it once and returns its values. */
  static float[] run(Function<Ops, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> y = f.apply(tf);
      try (Session s = new Session(g); Result r = s.runner().fetch(y).run()) {
        return Tensors.toFloats(r, 0);
      }
    }
  }

  /**
   * Builds f on a placeholder x of {@code shape} and checks d(Σ y·R)/dx against central
   * differences at {@code x} (GradientCheck, eps 5e-3); returns the largest scaled error.
   */
  static double gradientError(Shape shape, float[] x, double tolerance,
      BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> y = f.apply(tf, in);
      try (Session s = new Session(g)) {
        return GradientCheck.on(g, s).feed(in, shape, x).tolerance(tolerance)
            .check(y, List.of(in));
      }
    }
  }

  /**
   * Whether any gradient of Σ f(x) reaches the placeholder x: false for a closed Output (a path
   * through StopGradient) and for an x the output does not depend on.
   */
  static boolean gradientReaches(Shape shape, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> y = tf.reduceSum(f.apply(tf, in), tf.constant(0));
      try {
        Output<?>[] grads = g.addGradients(y.asOutput(), new Output<?>[] {in.asOutput()});
        return grads[0] != null && !grads[0].isClosed();
      } catch (TFInvalidArgumentException e) {
        // An input the output does not depend on at all (not even through StopGradient).
        if (e.getMessage() != null && e.getMessage().contains("unreachable")) {
          return false;
        }
        throw e;
      }
    }
  }

  /** A float32 constant of the given shape. */
  static Operand<TFloat32> floats(Ops tf, Shape shape, float[] values) {
    return tf.reshape(tf.constant(values), tf.constant(shape.asArray()));
  }

  /** An int32 constant of the given shape. */
  static Operand<TInt32> ints(Ops tf, Shape shape, int[] values) {
    return tf.reshape(tf.constant(values), tf.constant(shape.asArray()));
  }

  /** One-hot rows for labels in [0, k). */
  static float[] oneHot(int[] labels, int k) {
    float[] out = new float[labels.length * k];
    for (int i = 0; i < labels.length; i++) {
      out[i * k + labels[i]] = 1f;
    }
    return out;
  }

  /** Softmax of row {@code row} of z (k values a row) divided by t, in double. */
  static double[] softmax(float[] z, int row, int k, double t) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      max = Math.max(max, z[row * k + c] / t);
    }
    double[] p = new double[k];
    double sum = 0;
    for (int c = 0; c < k; c++) {
      p[c] = Math.exp(z[row * k + c] / t - max);
      sum += p[c];
    }
    for (int c = 0; c < k; c++) {
      p[c] /= sum;
    }
    return p;
  }

  /** Row-wise softmax of every row of z, as float32 probabilities. */
  static float[] softmaxRows(float[] z, int k) {
    float[] p = new float[z.length];
    for (int row = 0; row < z.length / k; row++) {
      double[] pr = softmax(z, row, k, 1);
      for (int c = 0; c < k; c++) {
        p[row * k + c] = (float) pr[c];
      }
    }
    return p;
  }

  /** Reproducible values uniform in [lo, hi). */
  static float[] uniform(int n, long seed, double lo, double hi) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return out;
  }

  /** Asserts element-wise |expected − actual| ≤ tol. */
  static void assertClose(double[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol, what + " [" + i + "] (tolerance " + tol + ")");
    }
  }
}
