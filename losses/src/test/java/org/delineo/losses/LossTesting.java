package org.delineo.losses;

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
import org.tensorflow.types.TInt32;

/** Test helpers: evaluate a loss of fed logits, check its gradient, make labels and values. */
final class LossTesting {
  private LossTesting() {}

  /** Builds f(tf, logits) on a logits placeholder, feeds {@code logits} and returns the scalar. */
  static float evaluate(Shape shape, float[] logits, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> loss = f.apply(tf, x);
      try (Session s = new Session(g);
          TFloat32 in = Tensors.floats(shape, logits);
          Result r = s.runner().feed(x, in).fetch(loss).run()) {
        return Tensors.scalar(r, 0);
      }
    }
  }

  /** d loss / d logits against central differences; returns the largest scaled error. */
  static double gradientError(Shape shape, float[] logits, double tolerance,
      BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> loss = f.apply(tf, x);
      try (Session s = new Session(g)) {
        return GradientCheck.on(g, s).feed(x, shape, logits).tolerance(tolerance)
            .check(loss, List.of(x));
      }
    }
  }

  /** An int32 constant of the given shape. */
  static Operand<TInt32> ints(Ops tf, Shape shape, int[] values) {
    return tf.reshape(tf.constant(values), tf.constant(shape.asArray()));
  }

  /** A float32 constant of the given shape. */
  static Operand<TFloat32> floats(Ops tf, Shape shape, float[] values) {
    return tf.reshape(tf.constant(values), tf.constant(shape.asArray()));
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

  /** Reproducible labels in [0, classes), with about {@code ignoredShare} of them set to 255. */
  static int[] labels(int n, int classes, double ignoredShare, long seed) {
    Random r = new Random(seed);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = r.nextDouble() < ignoredShare ? 255 : r.nextInt(classes);
    }
    return out;
  }

  /** Softmax of the K logits of pixel i, in double. */
  static double[] softmax(float[] logits, int pixel, int k) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      max = Math.max(max, logits[pixel * k + c]);
    }
    double[] p = new double[k];
    double sum = 0;
    for (int c = 0; c < k; c++) {
      p[c] = Math.exp(logits[pixel * k + c] - max);
      sum += p[c];
    }
    for (int c = 0; c < k; c++) {
      p[c] /= sum;
    }
    return p;
  }
}
