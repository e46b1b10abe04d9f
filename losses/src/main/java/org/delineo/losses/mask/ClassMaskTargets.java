package org.delineo.losses.mask;

import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceAny;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Mask2Former's semantic targets, mmseg's {@code Mask2FormerHead._seg_data_to_instance_data}: one
 * binary mask per class present in an image's label map, the ignore label excluded. Here the
 * target slots are fixed: slot k of every image is class k, with {@link #present} telling which
 * slots are real targets. The ragged per-image target lists become fixed shapes, and a matched
 * slot is its class id, so an assignment needs no separate class table. mmseg orders an image's
 * targets by class id too ({@code torch.unique}), so the slots are its targets with gaps.
 *
 * @param masks [N, H, W, K] float 0/1: pixel has class k (all 0 where the label is ignored)
 * @param present [N, K]: class k occurs in image n (a target exists)
 */
public record ClassMaskTargets(Operand<TFloat32> masks, Operand<TBool> present) {

  /**
   * The targets of a label batch.
   *
   * @param labels [N, H, W] class ids; ids outside [0, K) (the ignore label 255) give no target
   * @param numClasses K
   * @param ignoreIndex excluded even when it lies inside [0, K)
   */
  public static ClassMaskTargets of(Ops tf, Operand<TInt32> labels, int numClasses, int ignoreIndex) {
    if (labels.shape().isUnknown() || labels.shape().numDimensions() != 3) {
      throw new ShapeMismatchException("Mask2Former targets: expected labels [N, H, W], found " + labels.shape());
    }
    // one_hot gives an all-zero row for ids outside [0, K); the ignore label is moved there first.
    Operand<TInt32> kept = tf.select(tf.math.equal(labels, tf.constant(ignoreIndex)),
        tf.fill(tf.shape(labels), tf.constant(-1)), labels);
    Operand<TFloat32> masks = tf.oneHot(kept, tf.constant(numClasses), tf.constant(1f), tf.constant(0f));
    Operand<TBool> present = tf.reduceAny(tf.math.greater(masks, tf.constant(0f)), tf.constant(new int[] {1, 2}),
        ReduceAny.keepDims(false));
    return new ClassMaskTargets(masks, present);
  }
}
