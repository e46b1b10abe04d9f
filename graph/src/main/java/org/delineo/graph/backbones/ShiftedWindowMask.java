package org.delineo.graph.backbones;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The attention mask of shifted-window attention (SW-MSA), as mmseg's {@code ShiftWindowMSA.forward}
 * builds it. After the map is rolled up and left by {@code shift}, the windows of the last window
 * row and column hold tokens that were not neighbours before the roll (the wrapped-around top rows
 * and left columns). mmseg labels the rolled map's rows by three slices, {@code [0, Hp − size)},
 * {@code [Hp − size, Hp − shift)} and {@code [Hp − shift, Hp)}, the columns likewise, gives each of
 * the 3 × 3 combinations its own region number, and lets a query see a key of its window only when
 * both lie in the same region: other pairs get −100 added to their logits (not −∞, so the softmax
 * of a row stays defined, and mmseg's value, so logits match).
 */
final class ShiftedWindowMask {
  /** mmseg's {@code masked_fill(attn_mask != 0, float(-100.0))}. */
  static final float MASKED = -100f;

  private ShiftedWindowMask() {}

  /**
   * The mask [nW, size², size²] of a padded map {@code hp} × {@code wp} (multiples of {@code size}):
   * entry (w, i, j) is 0 when tokens i and j of window w (window order and token order of
   * {@link SwinWindows#partition}) share a region, −100 otherwise. The same for every image, so it
   * broadcasts over the batch.
   *
   * @param shift the roll, 0 &lt; shift &lt; size
   */
  static Operand<TFloat32> of(Ops tf, Extent hp, Extent wp, int size, int shift) {
    Operand<TInt32> rows = regions(tf, hp, size, shift);
    Operand<TInt32> cols = regions(tf, wp, size, shift);
    // Region number 3·row slice + column slice, laid out as a one-channel map [1, Hp, Wp, 1].
    Operand<TInt32> ids = tf.math.add(tf.math.mul(tf.expandDims(rows, tf.constant(1)), tf.constant(3)),
        tf.expandDims(cols, tf.constant(0)));
    Operand<TInt32> map = tf.expandDims(tf.expandDims(ids, tf.constant(0)), tf.constant(-1));
    Operand<TInt32> perQuery = SwinWindows.partition(tf, map, size); // [nW, N, 1]: token i on axis 1
    Operand<TInt32> perKey = tf.linalg.transpose(perQuery, tf.constant(new int[] {0, 2, 1})); // [nW, 1, N]
    return tf.select(tf.math.notEqual(perQuery, perKey), tf.constant(MASKED), tf.constant(0f));
  }

  /** The slice number (0, 1, 2) of every index 0 .. n − 1 of an axis of padded length n. */
  private static Operand<TInt32> regions(Ops tf, Extent n, int size, int shift) {
    Operand<TInt32> length = n.value(tf);
    Operand<TInt32> index = tf.range(tf.constant(0), length, tf.constant(1));
    Operand<TInt32> pastFirst = tf.dtypes.cast(
        tf.math.greaterEqual(index, tf.math.sub(length, tf.constant(size))), TInt32.class);
    Operand<TInt32> pastSecond = tf.dtypes.cast(
        tf.math.greaterEqual(index, tf.math.sub(length, tf.constant(shift))), TInt32.class);
    return tf.math.add(pastFirst, pastSecond);
  }
}
