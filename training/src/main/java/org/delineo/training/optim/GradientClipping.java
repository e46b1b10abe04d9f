package org.delineo.training.optim;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Gradient clipping as PyTorch's {@code clip_grad_norm_} (what mmengine's {@code clip_grad} calls). */
public final class GradientClipping {
  /** PyTorch's guard against a zero norm in {@code max_norm / (total_norm + 1e-6)}. */
  static final float EPSILON = 1e-6f;

  private GradientClipping() {}

  /** The L2 norm of all gradients taken together: sqrt(Σ_i Σ g_i²). */
  public static Operand<TFloat32> globalNorm(Ops tf, List<Gradient> grads) {
    if (grads.isEmpty()) {
      throw new DelineoException("global norm of an empty gradient list");
    }
    List<Operand<TFloat32>> squares = new ArrayList<>();
    for (Gradient g : grads) {
      Operand<TFloat32> flat = tf.reshape(g.value(), tf.constant(new long[] {-1}));
      squares.add(tf.reduceSum(tf.math.square(flat), tf.constant(0)));
    }
    Operand<TFloat32> total = squares.size() == 1 ? squares.get(0) : tf.math.addN(squares);
    return tf.math.sqrt(total);
  }

  /**
   * Scales every gradient by min(1, maxNorm / (globalNorm + 1e-6)), so that the global norm is at
   * most {@code maxNorm}; directions are kept.
   */
  public static List<Gradient> byGlobalNorm(Ops tf, List<Gradient> grads, float maxNorm) {
    if (!Float.isFinite(maxNorm) || maxNorm <= 0) {
      throw new DelineoException("gradient clipping max norm must be finite and > 0, found " + maxNorm);
    }
    Operand<TFloat32> norm = globalNorm(tf, grads);
    Operand<TFloat32> scale =
        tf.math.minimum(
            tf.constant(1f), tf.math.div(tf.constant(maxNorm), tf.math.add(norm, tf.constant(EPSILON))));
    List<Gradient> out = new ArrayList<>(grads.size());
    for (Gradient g : grads) {
      out.add(new Gradient(g.variable(), tf.math.mul(g.value(), scale)));
    }
    return out;
  }
}
