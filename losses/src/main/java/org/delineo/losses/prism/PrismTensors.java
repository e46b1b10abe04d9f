package org.delineo.losses.prism;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Shape checks and small tensor helpers shared by the PRISM losses. Every PRISM tensor is
 * channels-last {@code [N, spatial..., C]} with any number of spatial axes (NHWC and NDHWC alike),
 * so reductions are written over "every axis but batch" or "every spatial axis" instead of fixed
 * axis lists.
 */
final class PrismTensors {
  private PrismTensors() {}

  /**
   * The rank of {@code x} after checking it is {@code [N, spatial..., C]} with at least one spatial
   * axis and a static last axis.
   */
  static int rank(String what, Operand<TFloat32> x) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() < 3) {
      throw new ShapeMismatchException(
          what + ": expected rank >= 3 [N, spatial..., C] (e.g. NHWC or NDHWC), found shape " + s);
    }
    if (s.get(s.numDimensions() - 1) <= 0) {
      throw new ShapeMismatchException(
          what + ": the channel/class axis (last) must be static, found shape " + s);
    }
    return s.numDimensions();
  }

  /** The static size of the last axis (classes or feature channels). */
  static int channels(Operand<TFloat32> x) {
    Shape s = x.shape();
    return (int) s.get(s.numDimensions() - 1);
  }

  /**
   * Throws unless {@code found} (when its rank is known) has {@code expected}'s rank and agrees on
   * every known dimension.
   */
  static void requireCompatible(String what, Shape expected, Shape found) {
    if (found.isUnknown()) {
      return;
    }
    if (found.numDimensions() != expected.numDimensions()) {
      throw new ShapeMismatchException(what, expected, found);
    }
    for (int i = 0; i < expected.numDimensions(); i++) {
      long e = expected.get(i);
      long f = found.get(i);
      if (e >= 0 && f >= 0 && e != f) {
        throw new ShapeMismatchException(what, expected, found);
      }
    }
  }

  /**
   * One-hot targets {@code [N, spatial..., K]} from class ids {@code [N, spatial...]}, after checking
   * the labels have the probabilities' shape without the class axis. Ids outside [0, K) give an
   * all-zero row (no class), as a one-hot built by {@code np.eye(K)[y]} could not.
   */
  static Operand<TFloat32> oneHot(
      Ops tf, String what, Operand<TFloat32> probabilities, Operand<TInt32> labels) {
    int r = rank(what + " probabilities", probabilities);
    Shape s = probabilities.shape();
    requireCompatible(what + " labels (the probabilities' shape without the class axis)",
        s.take(r - 1), labels.shape());
    return tf.oneHot(labels, tf.constant(channels(probabilities)), tf.constant(1f), tf.constant(0f));
  }

  /** Axes 1 .. rank−2: the spatial axes. */
  static Operand<TInt32> spatialAxes(Ops tf, int rank) {
    return tf.constant(range(1, rank - 1));
  }

  /** Axes 1 .. rank−1: everything but the batch axis. */
  static Operand<TInt32> allButBatch(Ops tf, int rank) {
    return tf.constant(range(1, rank));
  }

  private static int[] range(int from, int to) {
    int[] axes = new int[to - from];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = from + i;
    }
    return axes;
  }

  /**
   * x reshaped to {@code [N, voxels, C]} (N may be unknown when the graph is built): prototypes and
   * similarity maps are batched matrix products over the voxel axis.
   */
  static Operand<TFloat32> perSampleRows(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> batch =
        tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TInt32> shape = tf.concat(
        List.of(batch, tf.constant(new int[] {-1, channels(x)})), tf.constant(0));
    return tf.reshape(x, shape);
  }

  /**
   * min(max(p, lower), 1), PyTorch's {@code clamp(p, min=lower, max=1)}: the value and the gradient
   * (zero outside the interval) match.
   */
  static Operand<TFloat32> clampProbabilities(Ops tf, Operand<TFloat32> p, float lower) {
    return tf.math.minimum(tf.math.maximum(p, tf.constant(lower)), tf.constant(1f));
  }

  /**
   * PASSION's {@code up_op}: {@code x [N, spatial..., C]} resized to the spatial {@code size}
   * (trilinear for 3 spatial axes, bilinear for 2, align_corners = True); returned as is when it
   * already has that size. The losses upsample <em>probabilities</em> with it, as the reference.
   *
   * @param what names x in the error when its spatial sizes are not static
   * @throws ShapeMismatchException when a spatial size of x is unknown
   */
  static Operand<TFloat32> upsample(Ops tf, Operand<TFloat32> x, long[] size, String what) {
    Shape s = x.shape();
    boolean same = true;
    for (int i = 0; i < size.length; i++) {
      if (s.get(i + 1) <= 0) {
        throw new ShapeMismatchException(what + ": spatial sizes must be static, found shape " + s);
      }
      same &= s.get(i + 1) == size[i];
    }
    if (same) {
      return x;
    }
    return size.length == 3
        ? Resize.trilinear3d(tf, x, size[0], size[1], size[2], ResizeMode.ALIGN_CORNERS)
        : Resize.bilinear2d(tf, x, size[0], size[1], ResizeMode.ALIGN_CORNERS);
  }

  /** Throws a {@link DelineoException} with {@code message} unless {@code ok}. */
  static void require(boolean ok, String message) {
    if (!ok) {
      throw new DelineoException(message);
    }
  }
}
