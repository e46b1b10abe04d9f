package org.delineo.graph.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * PyTorch-layout state dicts for tests: random values of plausible scale per kind of entry, and
 * their transposition into our layouts by explicit index loops (conv OIHW → HWIO, which also maps a
 * depthwise [C, 1, k, k] onto our [k, k, C, 1]; linear [out, in] → [in, out]), assigned to the
 * model's variables by name.
 */
public final class TorchWeights {
  private TorchWeights() {}

  /**
   * Random values for every entry: norm scales and BN variances in [0.5, 1.5), biases, shifts and
   * running means N(0, 0.1²), weights N(0, (1/√fan_in)²) so activations stay of order one;
   * {@code num_batches_tracked} is left out (not a float).
   */
  public static Map<String, float[]> random(Map<String, long[]> shapes, long seed) {
    Random r = new Random(seed);
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      String name = e.getKey();
      long[] s = e.getValue();
      if (name.endsWith("num_batches_tracked")) {
        continue;
      }
      float[] v = new float[(int) MmsegSegFormerKeys.numel(s)];
      boolean scale = s.length == 1 && (name.endsWith("norm.weight") || name.endsWith("norm1.weight")
          || name.endsWith("norm2.weight") || name.endsWith("bn.weight") || name.matches(".*layers\\.\\d+\\.2\\.weight"));
      double fanIn = s.length > 1 ? MmsegSegFormerKeys.numel(s) / (double) s[0] : 1;
      for (int i = 0; i < v.length; i++) {
        if (scale || name.endsWith("running_var")) {
          v[i] = 0.5f + r.nextFloat();
        } else if (s.length == 1) {
          v[i] = (float) (0.1 * r.nextGaussian());
        } else {
          v[i] = (float) (r.nextGaussian() / Math.sqrt(fanIn));
        }
      }
      out.put(name, v);
    }
    return out;
  }

  /** {@code v} of PyTorch shape {@code torchShape} in our layout for a variable of rank {@code ourRank}. */
  public static float[] toOurs(float[] v, long[] torchShape, int ourRank) {
    if (torchShape.length == 4 && ourRank == 4) {
      int o = (int) torchShape[0];
      int in = (int) torchShape[1];
      int kh = (int) torchShape[2];
      int kw = (int) torchShape[3];
      float[] t = new float[v.length];
      for (int h = 0; h < kh; h++) {
        for (int w = 0; w < kw; w++) {
          for (int i = 0; i < in; i++) {
            for (int c = 0; c < o; c++) {
              t[((h * kw + w) * in + i) * o + c] = v[((c * in + i) * kh + h) * kw + w];
            }
          }
        }
      }
      return t;
    }
    if (torchShape.length == 2 && ourRank == 2) {
      int o = (int) torchShape[0];
      int in = (int) torchShape[1];
      float[] t = new float[v.length];
      for (int i = 0; i < in; i++) {
        for (int c = 0; c < o; c++) {
          t[i * o + c] = v[c * in + i];
        }
      }
      return t;
    }
    if (torchShape.length == ourRank) {
      return v.clone();
    }
    throw new IllegalArgumentException("no layout rule from rank " + torchShape.length + " to " + ourRank);
  }

  /**
   * Assigns {@code prefix + key} ← {@code values[key]} (transposed to our layout; Swin's
   * {@code relative_position_bias_table} as is) for every entry; fails when a model variable of that
   * name is absent.
   */
  @SuppressWarnings("unchecked")
  public static void assign(GraphContext ctx, Session session, String prefix, Map<String, float[]> values,
      Map<String, long[]> torchShapes) {
    Ops tf = ctx.tf();
    List<Op> assigns = new ArrayList<>();
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      String name = prefix + e.getKey();
      ModelVariable<?> v = ctx.variables().find(name)
          .orElseThrow(() -> new AssertionError("the model has no variable " + name));
      // Swin's bias table [(2W - 1)^2, heads] is a parameter indexed by rows, not a linear weight:
      // ours has PyTorch's layout.
      float[] ours = name.endsWith(".relative_position_bias_table") ? e.getValue().clone()
          : toOurs(e.getValue(), torchShapes.get(e.getKey()), v.shape().numDimensions());
      assigns.add(tf.assign((Variable<TFloat32>) v.ref(),
          tf.reshape(tf.constant(ours), tf.constant(v.shape().asArray()))));
    }
    Session.Runner runner = session.runner();
    assigns.forEach(runner::addTarget);
    runner.run().close();
  }
}
