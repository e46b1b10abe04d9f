package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Pooling;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Parameter-free pieces the heads share: picking features, resizing to a feature, pooling. */
final class HeadOps {
  private HeadOps() {}

  /** {@code features.get(index)}, checked to be a rank-4 NHWC map. */
  static Operand<TFloat32> select(String head, List<Operand<TFloat32>> features, int index) {
    if (features == null || index < 0 || index >= features.size()) {
      throw new DelineoException(head + ": needs feature level " + index + ", found "
          + (features == null ? "no features" : features.size() + " levels"));
    }
    Operand<TFloat32> x = features.get(index);
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() != 4) {
      throw new ShapeMismatchException(
          head + ": feature level " + index + " must be NHWC [N, H, W, C], found " + s);
    }
    return x;
  }

  /**
   * Bilinear resize of {@code x} to the spatial size of {@code like}, mmseg's
   * {@code resize(..., size=like.shape[2:], mode='bilinear')}. A static target size is passed as
   * constants so the result keeps its static shape; a dynamic one is read from {@code like}.
   */
  static Operand<TFloat32> resizeLike(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> like, ResizeMode mode) {
    Shape target = like.shape();
    if (target.get(1) > 0 && target.get(2) > 0) {
      if (x.shape().get(1) == target.get(1) && x.shape().get(2) == target.get(2)) {
        return x; // mmseg's resize is an identity at equal sizes too.
      }
      return Resize.bilinear2d(tf, x, target.get(1), target.get(2), mode);
    }
    Operand<TInt32> size =
        tf.slice(tf.shape(like), tf.constant(new int[] {1}), tf.constant(new int[] {2}));
    return Resize.bilinear2d(tf, x, size, mode);
  }

  /**
   * mmseg's {@code resize_concat} input transform: the levels {@code inIndices} of {@code features},
   * each after the first resized to the first one's size, concatenated on channels in that order.
   *
   * @throws ShapeMismatchException if the concatenation has no static channel count (the 1 × 1 conv
   *     that follows needs it)
   */
  static Operand<TFloat32> resizeConcat(Ops tf, String head, List<Operand<TFloat32>> features, int[] inIndices,
      ResizeMode mode) {
    Operand<TFloat32> first = select(head, features, inIndices[0]);
    List<Operand<TFloat32>> parts = new ArrayList<>();
    parts.add(first);
    for (int i = 1; i < inIndices.length; i++) {
      parts.add(resizeLike(tf, select(head, features, inIndices[i]), first, mode));
    }
    Operand<TFloat32> cat = tf.concat(parts, tf.constant(3));
    if (cat.shape().get(3) < 0) {
      throw new ShapeMismatchException(head + ": concatenated levels " + Arrays.toString(inIndices)
          + " need static channel counts, found " + cat.shape());
    }
    return cat;
  }

  /**
   * PyTorch's {@code AdaptiveAvgPool2d(bins)} on [N, H, W, C]: {@link Pooling#adaptiveAvgPool2d}
   * when H and W are static; otherwise the same bins [floor(i·L/b), ceil((i+1)·L/b)) computed from
   * the run-time size, so exported graphs with free spatial sizes still pool as PyTorch does.
   *
   * <p>The dynamic form is two matrix products with [bins, L] averaging matrices built from the
   * run-time size (rows, then columns), like the static one: its gradient keeps nothing of the input.
   * Slicing each bin instead padded every slice's gradient back to the input's full size, and the
   * training graph, whose H and W are not static, held eleven of them at PSPNet's memory peak.
   */
  static Operand<TFloat32> adaptiveAvgPool(Ops tf, Operand<TFloat32> x, int bins) {
    Shape s = x.shape();
    if (s.get(1) > 0 && s.get(2) > 0) {
      return Pooling.adaptiveAvgPool2d(tf, x, bins, bins);
    }
    if (bins == 1) {
      return Pooling.globalAvgPool2d(tf, x);
    }
    if (s.get(3) < 0) {
      throw new ShapeMismatchException(
          "adaptive pooling needs a static channel count (shape [N, H, W, C]), found " + s);
    }
    int c = (int) s.get(3);
    Operand<TInt32> shape = tf.shape(x);
    Operand<TInt32> batchAndRows = tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {2}));
    Operand<TInt32> cols = tf.slice(shape, tf.constant(new int[] {2}), tf.constant(new int[] {1}));
    // [N, H, W·C] → [N, bins, W·C] → [N·bins, W, C] → [N·bins, bins, C] → [N, bins, bins, C]
    Operand<TFloat32> byRows = tf.train.batchMatMul(averaging(tf, shape, 1, bins),
        tf.reshape(x, tf.concat(List.of(batchAndRows, tf.constant(new int[] {-1})), tf.constant(0))),
        TFloat32.class);
    Operand<TFloat32> byCols = tf.train.batchMatMul(averaging(tf, shape, 2, bins),
        tf.reshape(byRows, tf.concat(List.of(tf.constant(new int[] {-1}), cols, tf.constant(new int[] {c})),
            tf.constant(0))),
        TFloat32.class);
    return tf.reshape(byCols, tf.constant(new long[] {-1, bins, bins, c}));
  }

  /**
   * The [bins, L] matrix whose row i averages cells [floor(i·L/b), ceil((i+1)·L/b)) of axis
   * {@code axis} (L read from {@code shape}); it depends on the size only, so no gradient flows
   * into it.
   */
  private static Operand<TFloat32> averaging(Ops tf, Operand<TInt32> shape, int axis, int bins) {
    Operand<TInt32> length = tf.reshape(
        tf.slice(shape, tf.constant(new int[] {axis}), tf.constant(new int[] {1})), tf.constant(new int[0]));
    int[][] index = new int[bins][1];
    for (int i = 0; i < bins; i++) {
      index[i][0] = i;
    }
    Operand<TInt32> i = tf.constant(index);
    Operand<TInt32> b = tf.constant(bins);
    Operand<TInt32> start = tf.math.floorDiv(tf.math.mul(i, length), b);
    // ceil((i+1)·L/b) = floor(((i+1)·L + b − 1) / b) for L ≥ 0.
    Operand<TInt32> end = tf.math.floorDiv(
        tf.math.add(tf.math.mul(tf.math.add(i, tf.constant(1)), length), tf.constant(bins - 1)), b);
    Operand<TInt32> cells = tf.expandDims(tf.range(tf.constant(0), length, tf.constant(1)), tf.constant(0));
    Operand<TFloat32> inBin = tf.dtypes.cast(
        tf.math.logicalAnd(tf.math.greaterEqual(cells, start), tf.math.less(cells, end)), TFloat32.class);
    return tf.stopGradient(tf.math.div(inBin, tf.dtypes.cast(tf.math.sub(end, start), TFloat32.class)));
  }
}
