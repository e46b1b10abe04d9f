package org.delineo.losses;

import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Shape checks and the label-derived tensors the pixel losses share: channels-last logits
 * {@code [N, H, W, K]} or {@code [N, D, H, W, K]} against integer labels of the same shape without
 * the class axis.
 */
final class PixelLabels {
  private PixelLabels() {}

  /**
   * The static class count K of {@code logits}, after checking that logits are rank 4 or 5 and that
   * {@code labels} (and {@code pixelWeights}, if not null) have the logits' shape without K.
   */
  static int classes(String loss, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights) {
    Shape s = logits.shape();
    if (s.isUnknown() || (s.numDimensions() != 4 && s.numDimensions() != 5)) {
      throw new ShapeMismatchException(
          loss + " logits: expected rank 4 [N, H, W, K] or 5 [N, D, H, W, K], found shape " + s);
    }
    long k = s.get(s.numDimensions() - 1);
    if (k <= 0) {
      throw new ShapeMismatchException(
          loss + " logits: the class axis (last) must be static, found shape " + s);
    }
    Shape pixels = s.take(s.numDimensions() - 1);
    checkPixels(loss + " labels", pixels, labels.shape());
    if (pixelWeights != null) {
      checkPixels(loss + " pixel weights", pixels, pixelWeights.shape());
    }
    return (int) k;
  }

  private static void checkPixels(String what, Shape expected, Shape found) {
    if (found.isUnknown()) {
      return;
    }
    if (found.numDimensions() != expected.numDimensions()) {
      throw new ShapeMismatchException(what + " (logits shape without the class axis)", expected, found);
    }
    for (int i = 0; i < expected.numDimensions(); i++) {
      long e = expected.get(i);
      long f = found.get(i);
      if (e >= 0 && f >= 0 && e != f) {
        throw new ShapeMismatchException(what + " (logits shape without the class axis)", expected, found);
      }
    }
  }

  /** 1 where the label is not {@code ignoreIndex}, else 0; the labels' shape. */
  static Operand<TFloat32> validMask(Ops tf, Operand<TInt32> labels, int ignoreIndex) {
    return tf.dtypes.cast(tf.math.notEqual(labels, tf.constant(ignoreIndex)), TFloat32.class);
  }

  /**
   * One-hot targets [..., K]. A label outside [0, K) (the ignore index 255 in particular) gives an
   * all-zero row, so no "safe label" substitution is needed before the mask is applied.
   */
  static Operand<TFloat32> oneHot(Ops tf, Operand<TInt32> labels, int classes) {
    return tf.oneHot(labels, tf.constant(classes), tf.constant(1f), tf.constant(0f));
  }

  /** Sum of every element, as a scalar. */
  static Operand<TFloat32> sumAll(Ops tf, Operand<TFloat32> x) {
    return tf.reduceSum(tf.reshape(x, tf.constant(new long[] {-1})), tf.constant(0));
  }

  /** Sums over every axis but the last: [..., K] → [K]. */
  static Operand<TFloat32> sumPerClass(Ops tf, Operand<TFloat32> x, int classes) {
    return tf.reduceSum(tf.reshape(x, tf.constant(new long[] {-1, classes})), tf.constant(0));
  }

  static void require(boolean ok, String message) {
    if (!ok) {
      throw new DelineoException(message);
    }
  }
}
