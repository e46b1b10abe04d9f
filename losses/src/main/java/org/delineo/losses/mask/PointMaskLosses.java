package org.delineo.losses.mask;

import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Mask2Former's two mask losses on point-sampled logits and targets, as mmdet 3.3.0 computes them
 * in {@code Mask2FormerHead._loss_by_feat_single} ({@code
 * mmdet/models/dense_heads/mask2former_head.py}). Inputs are the matched masks only (mmdet's
 * {@code mask_preds[mask_weights > 0]}), one row per mask: logits z and targets t of shape [M, P],
 * the targets being the ground-truth masks point-sampled (bilinearly, so fractional near edges) at
 * the same points. n = max(num_masks, 1), num_masks = M unless given (mmdet clamps the all-reduced
 * count the same way).
 *
 * <ul>
 *   <li>{@link #maskLoss}: mmdet {@code CrossEntropyLoss(use_sigmoid=True)} ({@code
 *       mmdet/models/losses/cross_entropy_loss.py}, {@code binary_cross_entropy}) with {@code
 *       avg_factor = num_total_masks · num_points}:
 *       <pre>  Σ_m Σ_p BCE(z, t) / (n·P + ε),   BCE(z, t) = softplus(z) − z·t</pre>
 *       (= −t·log σ(z) − (1 − t)·log(1 − σ(z)); softplus keeps it finite for large |z| and
 *       gives the exact gradient σ(z) − t at z = 0).
 *   <li>{@link #diceLoss}: mmdet {@code DiceLoss(use_sigmoid=True, activate=True, naive_dice=True,
 *       eps=1.0)} ({@code mmdet/models/losses/dice_loss.py}, {@code dice_loss}) with {@code
 *       avg_factor = num_total_masks}; p = σ(z), per mask
 *       <pre>  d_m = (2·Σ_p p·t + e) / (Σ_p p + Σ_p t + e),   loss = Σ_m (1 − d_m) / (n + ε)</pre>
 *       with e = {@link #DICE_EPS} in numerator and denominator (naive Dice: first powers).
 * </ul>
 *
 * ε = 2⁻²³ is {@code torch.finfo(torch.float32).eps}, which mmdet's {@code weight_reduce_loss}
 * ({@code mmdet/models/losses/utils.py}) adds to every avg_factor. Both terms return the loss
 * before mmdet's {@code loss_weight}: the caller multiplies by {@link #MASK_LOSS_WEIGHT} and {@link
 * #DICE_LOSS_WEIGHT} (5 and 5 in Mask2Former). With M = 0 both are 0, connected to the logits, as
 * mmdet's zero-match branch ({@code mask_preds.sum()}).
 *
 * <p>Worked example: 2 masks × 3 points, σ(0) = ½, σ(ln 3) = ¾, σ(−ln 3) = ¼.
 *
 * <pre>
 *   mask 0: z = (0, ln 3, −ln 3), t = (1, 1, 0)      mask 1: z = (ln 3, 0, −ln 3), t = (0, ½, 1)
 *   BCE: ln 2 + ln(4/3) + ln(4/3)                    ln 4 + ln 2 + ln 4
 *   maskLoss = (6 ln 2 + 2 ln(4/3)) / 6 = ln 2 + ln(4/3)/3 ≈ 0.789041
 *   Dice: (2·1.25 + 1) / (1.5 + 2 + 1) = 7/9          (2·0.5 + 1) / (1.5 + 1.5 + 1) = 1/2
 *   diceLoss = (2/9 + 1/2) / 2 = 13/36 ≈ 0.361111
 * </pre>
 */
public final class PointMaskLosses {
  /** Mask2Former's {@code loss_mask.loss_weight}. */
  public static final float MASK_LOSS_WEIGHT = 5f;
  /** Mask2Former's {@code loss_dice.loss_weight}. */
  public static final float DICE_LOSS_WEIGHT = 5f;
  /** Mask2Former's {@code loss_dice.eps}: the smoothing term of the naive Dice. */
  public static final float DICE_EPS = 1f;
  /** {@code torch.finfo(torch.float32).eps}, added to every avg_factor by mmdet. */
  static final float AVG_FACTOR_EPS = Math.ulp(1f);

  private PointMaskLosses() {}

  /** The sigmoid BCE term with num_masks = M (the rows of the logits). */
  public static Operand<TFloat32> maskLoss(
      Ops tf, Operand<TFloat32> pointLogits, Operand<TFloat32> pointTargets) {
    return maskLoss(tf, pointLogits, pointTargets, rows(tf, pointLogits));
  }

  /**
   * The sigmoid BCE term, Σ BCE / (max(numMasks, 1)·P + ε).
   *
   * @param pointLogits [M, P] mask logits at the sampled points
   * @param pointTargets [M, P] ground-truth mask values in [0, 1] at the same points
   * @param numMasks scalar float count of masks to average over (e.g. mmdet's all-reduced mean)
   * @throws ShapeMismatchException when the inputs are not two [M, P] tensors of one shape
   */
  public static Operand<TFloat32> maskLoss(Ops tf, Operand<TFloat32> pointLogits,
      Operand<TFloat32> pointTargets, Operand<TFloat32> numMasks) {
    checkShapes("mask loss", pointLogits, pointTargets);
    Operand<TFloat32> bce = tf.math.sub(tf.math.softplus(pointLogits),
        tf.math.mul(pointLogits, pointTargets));
    Operand<TFloat32> points = tf.dtypes.cast(
        tf.gather(tf.shape(pointLogits), tf.constant(1), tf.constant(0)), TFloat32.class);
    Operand<TFloat32> avgFactor = tf.math.mul(atLeastOne(tf, numMasks), points);
    return tf.math.div(sumAll(tf, bce), tf.math.add(avgFactor, tf.constant(AVG_FACTOR_EPS)));
  }

  /** The naive Dice term with num_masks = M (the rows of the logits). */
  public static Operand<TFloat32> diceLoss(
      Ops tf, Operand<TFloat32> pointLogits, Operand<TFloat32> pointTargets) {
    return diceLoss(tf, pointLogits, pointTargets, rows(tf, pointLogits));
  }

  /**
   * The naive Dice term, Σ_m (1 − d_m) / (max(numMasks, 1) + ε).
   *
   * @param pointLogits [M, P] mask logits at the sampled points
   * @param pointTargets [M, P] ground-truth mask values in [0, 1] at the same points
   * @param numMasks scalar float count of masks to average over
   * @throws ShapeMismatchException when the inputs are not two [M, P] tensors of one shape
   */
  public static Operand<TFloat32> diceLoss(Ops tf, Operand<TFloat32> pointLogits,
      Operand<TFloat32> pointTargets, Operand<TFloat32> numMasks) {
    checkShapes("dice loss", pointLogits, pointTargets);
    Operand<TFloat32> p = tf.math.sigmoid(pointLogits);
    Operand<TInt32> perMask = tf.constant(1);
    Operand<TFloat32> overlap = tf.reduceSum(tf.math.mul(p, pointTargets), perMask);
    Operand<TFloat32> sizes =
        tf.math.add(tf.reduceSum(p, perMask), tf.reduceSum(pointTargets, perMask));
    Operand<TFloat32> eps = tf.constant(DICE_EPS);
    Operand<TFloat32> dice = tf.math.div(
        tf.math.add(tf.math.mul(tf.constant(2f), overlap), eps), tf.math.add(sizes, eps));
    Operand<TFloat32> lossPerMask = tf.math.sub(tf.constant(1f), dice);
    return tf.math.div(sumAll(tf, lossPerMask),
        tf.math.add(atLeastOne(tf, numMasks), tf.constant(AVG_FACTOR_EPS)));
  }

  /** M as a float scalar. */
  private static Operand<TFloat32> rows(Ops tf, Operand<TFloat32> x) {
    return tf.dtypes.cast(tf.gather(tf.shape(x), tf.constant(0), tf.constant(0)), TFloat32.class);
  }

  private static Operand<TFloat32> atLeastOne(Ops tf, Operand<TFloat32> count) {
    return tf.math.maximum(count, tf.constant(1f));
  }

  private static Operand<TFloat32> sumAll(Ops tf, Operand<TFloat32> x) {
    int rank = x.shape().numDimensions();
    int[] axes = new int[rank];
    for (int i = 0; i < rank; i++) {
      axes[i] = i;
    }
    return tf.reduceSum(x, tf.constant(axes));
  }

  private static void checkShapes(
      String what, Operand<TFloat32> logits, Operand<TFloat32> targets) {
    Shape a = logits.shape();
    Shape b = targets.shape();
    if (a.isUnknown() || a.numDimensions() != 2) {
      throw new ShapeMismatchException(what + ": expected point logits [M, P], found shape " + a);
    }
    if (b.isUnknown() || b.numDimensions() != 2) {
      throw new ShapeMismatchException(what + ": expected point targets [M, P], found shape " + b);
    }
    for (int i = 0; i < 2; i++) {
      if (a.get(i) >= 0 && b.get(i) >= 0 && a.get(i) != b.get(i)) {
        throw new ShapeMismatchException(what + ": point targets", a, b);
      }
    }
  }
}
