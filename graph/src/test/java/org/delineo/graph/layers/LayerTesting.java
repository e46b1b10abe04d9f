package org.delineo.graph.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Mode;
import org.delineo.graph.Module;
import org.delineo.graph.testing.GradientCheck;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * What the layer tests share besides running a session ({@link FeedAndFetch}): reproducible input
 * values, a float-array assertion, placeholders and variable reads, and whole-graph checks that many
 * tests repeat (a function's values and gradients, a layer's gradients, weight sharing).
 */
final class LayerTesting {
  private LayerTesting() {}

  // ---- values ----

  /** Reproducible values uniform in [lo, hi): float32 of lo + (hi − lo)·nextDouble(). */
  static float[] uniform(long n, long seed, double lo, double hi) {
    Random r = new Random(seed);
    float[] out = new float[Math.toIntExact(n)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return out;
  }

  /**
   * Distinct values k·0.05 − 1 (k = 0..n−1) in shuffled order: every pair differs by at least 0.05,
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

  // ---- assertions ----

  /**
   * Asserts equal lengths and |expected − actual| ≤ tol everywhere (NaN only where NaN is expected),
   * naming {@code what} and the first bad index.
   */
  static void assertClose(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": number of values");
    for (int i = 0; i < expected.length; i++) {
      boolean bothNaN = Float.isNaN(expected[i]) && Float.isNaN(actual[i]);
      // Written as !(≤) so that a NaN on one side fails.
      if (!bothNaN && !(Math.abs((double) expected[i] - actual[i]) <= tol)) {
        fail(what + " differs at " + i + ": expected " + expected[i] + ", found " + actual[i]
            + " (tolerance " + tol + ")");
      }
    }
  }

  // ---- graph pieces ----

  /** A float placeholder of the given (possibly partly unknown, −1) shape. */
  static Operand<TFloat32> placeholder(GraphContext ctx, long... dims) {
    return ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  /** The identity read of an existing float variable, e.g. {@code "bn.weight"}. */
  @SuppressWarnings("unchecked")
  static Operand<TFloat32> read(GraphContext ctx, String name) {
    return (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
  }

  /** 0, 1, ..., rank−1: every axis of a tensor of static rank. */
  static int[] allAxes(Operand<?> x) {
    int[] axes = new int[x.shape().numDimensions()];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    return axes;
  }

  // ---- whole-graph checks ----

  /** Builds f on a placeholder of {@code shape} in a fresh graph, feeds {@code values} and returns f's values. */
  static float[] evaluate(
      Shape shape, float[] values, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      // Identity so that f may return its input itself (a no-op resize or pool) and still be fetched.
      Operand<TFloat32> y = tf.identity(f.apply(tf, x));
      try (Session s = new Session(g)) {
        return FeedAndFetch.on(s).feed(x, shape, values).fetch(y)[0];
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

  /**
   * Applies {@code layer} in TRAIN mode (variables initialised from {@code graphSeed}) to a placeholder
   * fed {@code values}, and checks the gradients of its output w.r.t. the input and the layer's
   * {@code .weight} and {@code .bias} against central differences (ε = 5e-3) at scaled error ≤ {@code tol}.
   */
  static <L extends Module & Layer> void gradientCheckLayer(
      L layer, long graphSeed, Shape shape, float[] values, double tol) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, graphSeed);
      Operand<TFloat32> x = placeholder(ctx, shape.asArray());
      Operand<TFloat32> y = layer.apply(ctx, x);
      try (Session s = new Session(g)) {
        s.initialize();
        GradientCheck.on(g, s)
            .feed(x, shape, values)
            .tolerance(tol)
            .check(y, List.of(x, read(ctx, layer.name() + ".weight"), read(ctx, layer.name() + ".bias")));
      }
    }
  }

  /**
   * Applies {@code layer} (TRAIN, graph seed 3) to two placeholders of {@code inShape}: the first
   * application creates weight and bias, the second reuses them, and both give the same values for
   * the same input.
   */
  static <L extends Module & Layer> void assertAppliedTwiceSharesVariables(L layer, long... inShape) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> a = placeholder(ctx, inShape);
      Operand<TFloat32> b = placeholder(ctx, inShape);
      Operand<TFloat32> ya = layer.apply(ctx, a);
      assertEquals(2, ctx.variables().all().size(), "first application creates weight and bias");
      Operand<TFloat32> yb = layer.apply(ctx, b);
      assertEquals(2, ctx.variables().all().size(), "second application reuses weight and bias");
      try (Session s = new Session(g)) {
        s.initialize();
        Shape shape = Shape.of(inShape);
        float[] in = uniform(shape.size(), 5, -1, 1);
        assertArrayEquals(FeedAndFetch.on(s).feed(a, shape, in).fetch(ya)[0],
            FeedAndFetch.on(s).feed(b, shape, in).fetch(yb)[0]);
      }
    }
  }

  /** A float constant of the given shape, values in row-major order. */
  static Operand<TFloat32> constant(Ops tf, Shape shape, float[] values) {
    return tf.reshape(tf.constant(values), tf.constant(shape.asArray()));
  }

  /** The values narrowed to float. */
  static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }
}
