package org.delineo.losses.semsim;

import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;

/** Shape checks and small graph helpers shared by the SemSim loss terms (NHWC, classes last). */
final class SemSimTensors {
  /** Squared-norm floor of the cosine normalisation: a zero vector stays zero instead of NaN. */
  private static final float NORM_FLOOR = 1e-12f;

  private SemSimTensors() {}

  /**
   * Checks that {@code x} is rank 4 [N, H, W, C] with static H, W and C (N may be unknown) and
   * returns {H, W, C}.
   */
  static long[] staticHwc(String what, Operand<?> x) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() != 4 || s.get(1) <= 0 || s.get(2) <= 0 || s.get(3) <= 0) {
      throw new ShapeMismatchException(
          what + ": expected rank 4 [N, H, W, C] with static H, W and C, found shape " + s);
    }
    return new long[] {s.get(1), s.get(2), s.get(3)};
  }

  /** Divides every vector along the last axis by its L2 norm (zero vectors stay zero). */
  static Operand<TFloat32> l2Normalize(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> sq = tf.reduceSum(tf.math.square(x), tf.constant(-1), ReduceSum.keepDims(true));
    return tf.math.mul(x, tf.math.rsqrt(tf.math.maximum(sq, tf.constant(NORM_FLOOR))));
  }

  /** Bilinear resize of probabilities [N, H, W, K] to (h, w); the identity when already that size. */
  static Operand<TFloat32> resizeTo(Ops tf, Operand<TFloat32> probs, long h, long w, ResizeMode mode) {
    Shape s = probs.shape();
    if (s.get(1) == h && s.get(2) == w) {
      return probs;
    }
    return Resize.bilinear2d(tf, probs, h, w, mode);
  }

  /**
   * A 0/1 mask [N, H', W'] brought to (h, w) by nearest neighbour, or null when {@code mask} is null.
   */
  static Operand<TFloat32> maskTo(Ops tf, Operand<TFloat32> mask, long h, long w) {
    if (mask == null) {
      return null;
    }
    Shape s = mask.shape();
    if (s.isUnknown() || s.numDimensions() != 3) {
      throw new ShapeMismatchException("valid mask: expected rank 3 [N, H, W], found shape " + s);
    }
    if (s.get(1) == h && s.get(2) == w) {
      return mask;
    }
    Operand<TFloat32> four = tf.expandDims(mask, tf.constant(-1));
    return tf.squeeze(Resize.nearest2d(tf, four, h, w),
        org.tensorflow.op.core.Squeeze.axis(java.util.List.of(-1L)));
  }

  /** Sums over every axis but the last: [..., K] → [K]. */
  static Operand<TFloat32> sumPerClass(Ops tf, Operand<TFloat32> x, long classes) {
    return tf.reduceSum(tf.reshape(x, tf.constant(new long[] {-1, classes})), tf.constant(0));
  }

  /** Sum of every element, as a scalar. */
  static Operand<TFloat32> sumAll(Ops tf, Operand<TFloat32> x) {
    return tf.reduceSum(tf.reshape(x, tf.constant(new long[] {-1})), tf.constant(0));
  }

  static void require(boolean ok, String message) {
    if (!ok) {
      throw new DelineoException(message);
    }
  }
}
