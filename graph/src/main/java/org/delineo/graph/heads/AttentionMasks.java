package org.delineo.graph.heads;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceAll;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Mask2Former's masked attention: which memory tokens each query may not attend to, from the mask
 * the previous prediction drew (mmdet {@code mask2former_head.py}: {@code _forward_head} builds the
 * mask, lines 365–375; {@code forward} unblocks fully blocked rows before each layer, lines 437–439).
 *
 * <p>The mask is boolean with PyTorch's meaning: true = blocked. It is a hard threshold, so it has
 * no gradient; it is built on {@code stopGradient(maskLogits)} as mmdet detaches it, so no gradient
 * path even reaches the threshold ops. mmdet repeats the mask per head ([B·heads, Q, hw]); every
 * head gets the same mask, so here it stays [B, Q, hw] and the attention broadcasts it.
 */
public final class AttentionMasks {
  private AttentionMasks() {}

  /**
   * The keys each query may not attend to at the next decoder layer: the mask logits resized
   * bilinearly (align_corners false) to the next level's size, blocked where sigmoid < 0.5,
   * flattened in the memory's row-major token order.
   *
   * @param maskLogits [N, h, w, Q] mask logits in channels-last layout (one channel per query)
   * @param size int32 [2]: the next memory level's (height, width)
   * @return [N, Q, height·width], true = blocked
   */
  public static Operand<TBool> blockedKeys(Ops tf, Operand<TFloat32> maskLogits, Operand<TInt32> size) {
    if (maskLogits.shape().isUnknown() || maskLogits.shape().numDimensions() != 4) {
      throw new ShapeMismatchException(
          "attention mask: expected mask logits [N, h, w, Q], found shape " + maskLogits.shape());
    }
    Operand<TFloat32> detached = tf.stopGradient(maskLogits);
    Operand<TFloat32> resized = Resize.bilinear2d(tf, detached, size, ResizeMode.HALF_PIXEL);
    Operand<TBool> blocked = tf.math.less(tf.math.sigmoid(resized), tf.constant(0.5f));
    Operand<TBool> perQuery = tf.linalg.transpose(blocked, tf.constant(new int[] {0, 3, 1, 2}));
    Operand<TInt32> leading = tf.stridedSlice(tf.shape(perQuery), Indices.slice(0, 2));
    return tf.reshape(perQuery, tf.concat(List.of(leading, tf.constant(new int[] {-1})), tf.constant(0)));
  }

  /**
   * The mask with every row whose keys are all blocked turned into a row with none blocked
   * (mmdet: "if a mask is all True (all background), then set it all False"), so every query
   * attends to something; PyTorch's −∞ scores would otherwise give a NaN softmax.
   *
   * @param blocked [..., K], true = blocked
   * @return the same shape
   */
  public static Operand<TBool> unblockFullRows(Ops tf, Operand<TBool> blocked) {
    Operand<TBool> full = tf.reduceAll(blocked, tf.constant(-1), ReduceAll.keepDims(true));
    return tf.math.logicalAnd(blocked, tf.math.logicalNot(full));
  }
}
