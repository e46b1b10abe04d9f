package org.delineo.graph.heads;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.testing.TorchWeights;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * What the deformable-attention and pixel-decoder tests share: random PyTorch state dicts with
 * norm scales near 1, their assignment to the graph's variables, and one feed-and-fetch run.
 */
final class DeformableTesting {
  private DeformableTesting() {}

  /**
   * {@link TorchWeights#random} with GroupNorm and LayerNorm scales drawn from [0.5, 1.5) (the
   * generic rule leaves them near 0, which would hide what the norms do).
   */
  static Map<String, float[]> randomWeights(Map<String, long[]> shapes, long seed) {
    Map<String, float[]> w = TorchWeights.random(shapes, seed);
    Random r = new Random(seed + 1);
    w.forEach((name, v) -> {
      if (name.matches(".*(\\.gn|norms\\.\\d+)\\.weight")) {
        for (int i = 0; i < v.length; i++) {
          v[i] = 0.5f + r.nextFloat();
        }
      }
    });
    return w;
  }

  /**
   * Assigns every entry to {@code prefix + name}: through {@link TorchWeights} (PyTorch layouts
   * transposed to ours), except embeddings ({@code level_encoding.weight}), which have one layout.
   */
  @SuppressWarnings("unchecked")
  static void assign(GraphContext ctx, Session s, String prefix, Map<String, float[]> values,
      Map<String, long[]> shapes) {
    Map<String, float[]> transposed = new LinkedHashMap<>(values);
    Map<String, float[]> asIs = new LinkedHashMap<>();
    for (String name : values.keySet()) {
      if (name.endsWith("level_encoding.weight")) {
        asIs.put(name, transposed.remove(name));
      }
    }
    TorchWeights.assign(ctx, s, prefix, transposed, shapes);
    Ops tf = ctx.tf();
    Session.Runner runner = s.runner();
    asIs.forEach((name, v) -> {
      ModelVariable<?> variable = ctx.variables().find(prefix + name).orElseThrow();
      runner.addTarget(tf.assign((Variable<TFloat32>) variable.ref(),
          tf.reshape(tf.constant(v), tf.constant(variable.shape().asArray()))));
    });
    if (!asIs.isEmpty()) {
      runner.run().close();
    }
  }

  /** Feeds float placeholders and fetches float outputs in one run ({@link FeedRun}). */
  static float[][] run(Session s, Map<Operand<TFloat32>, float[]> feeds, Map<Operand<TFloat32>, Shape> shapes,
      List<Operand<TFloat32>> fetches) {
    FeedRun run = FeedRun.on(s);
    feeds.forEach((p, v) -> run.feed(p, shapes.get(p), v));
    return run.fetch(fetches);
  }

  /** Values N(0, 1) from {@code seed}. */
  static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** Values uniform in [0, 1) from {@code seed}. */
  static float[] uniform(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextFloat();
    }
    return v;
  }

  static double[] toDoubles(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  /** |expected − actual| ≤ tol·max(1, |expected|) everywhere. */
  static void assertClose(double[] expected, float[] actual, double tol, String what) {
    org.junit.jupiter.api.Assertions.assertEquals(expected.length, actual.length, what + ": number of values");
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - actual[i]) <= tol * Math.max(1, Math.abs(expected[i])))) {
        org.junit.jupiter.api.Assertions.fail(what + " differs at " + i + ": expected " + expected[i] + ", found "
            + actual[i]);
      }
    }
  }
}
