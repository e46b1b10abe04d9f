package org.delineo.losses.mask;

import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Mask2Former's matching cost for one image: the [Q, T] matrix between Q queries and T ground-truth
 * masks that mmdet 3.3.0's {@code HungarianAssigner} minimises, with the match costs of
 * Mask2Former's config ({@code configs/mask2former/*.py}, {@code train_cfg.assigner.match_costs}; the
 * same in mmseg's Cityscapes config):
 *
 * <pre>
 *   cost = 2 · class + 5 · bce + 5 · dice                                  [Q, T]
 *
 *   class[q, t] = −softmax(z_q)[c_t]                                      (ClassificationCost)
 *   bce[q, t]   = (Σ_p softplus(−m_qp)·g_tp + softplus(m_qp)·(1 − g_tp)) / P   (CrossEntropyLossCost)
 *   dice[q, t]  = 1 − (2 Σ_p σ(m_qp)·g_tp + ε) / (Σ_p σ(m_qp) + Σ_p g_tp + ε),  ε = 1   (DiceCost)
 * </pre>
 *
 * with class logits z [Q, K+1] (K classes and "no object" last), target class ids c [T], mask logits
 * m [Q, P] and target masks g [T, P] at the same P points (mmdet samples 12 544 uniformly random
 * points per image and bilinearly reads both the predictions and the targets there, so g may be
 * fractional at mask borders; every formula is linear in g and accepts that). The formulas, all in
 * {@code mmdet/models/task_modules/assigners/match_cost.py}:
 *
 * <ul>
 *   <li>{@code ClassificationCost.__call__}: softmax over all K+1 logits, minus the probability of the
 *       target's class.
 *   <li>{@code CrossEntropyLossCost._binary_cross_entropy} ({@code use_sigmoid=True}): the binary
 *       cross-entropy with logits against target 1 (softplus(−m)) and against target 0 (softplus(m)),
 *       combined through two point-sums weighted by g and 1 − g, divided by the number of points P.
 *   <li>{@code DiceCost._binary_mask_dice_loss} with {@code pred_act=True} (sigmoid first), {@code
 *       eps=1.0} from the config and the default {@code naive_dice=True} (first powers in the
 *       denominator).
 * </ul>
 *
 * Each term here is unweighted; {@link #apply} multiplies by the weights (mmdet's {@code weight}
 * arguments) and sums, as {@code HungarianAssigner.assign} stacks and sums the weighted costs.
 * T may be 0: every term is then [Q, 0].
 *
 * <p>Worked example: Q = 1 query, T = 1 target, K = 1 class (2 logits), P = 2 points.
 *
 * <pre>{@code
 * // class logits (0, 0), target class 0      → class = −0.5
 * // mask logits (0, 0), target mask (1, 0)   → σ = (0.5, 0.5)
 * //   bce  = (softplus(0) + softplus(0)) / 2 = ln 2               ≈ 0.6931
 * //   dice = 1 − (2·0.5 + 1) / (1 + 1 + 1)   = 1/3                ≈ 0.3333
 * // cost = 2·(−0.5) + 5·0.6931 + 5·0.3333                        ≈ 4.1324
 * Operand<TFloat32> cost = MatchingCost.mask2former().apply(tf,
 *     tf.constant(new float[][] {{0f, 0f}}), tf.constant(new float[][] {{0f, 0f}}),
 *     tf.constant(new int[] {0}), tf.constant(new float[][] {{1f, 0f}}));  // [[4.1324]]
 * }</pre>
 *
 * <p>The cost is fetched and handed to {@link HungarianSolver#matchQueries}; mmdet detaches it, and
 * nothing here is meant to be differentiated.
 */
public final class MatchingCost {
  /** mmdet Mask2Former's {@code ClassificationCost} weight. */
  public static final float CLASS_WEIGHT = 2f;
  /** mmdet Mask2Former's {@code CrossEntropyLossCost} weight. */
  public static final float MASK_WEIGHT = 5f;
  /** mmdet Mask2Former's {@code DiceCost} weight. */
  public static final float DICE_WEIGHT = 5f;
  /** mmdet Mask2Former's {@code DiceCost} eps (the class default is 1e-3; the config sets 1.0). */
  public static final float DICE_EPS = 1f;

  private final float classWeight;
  private final float maskWeight;
  private final float diceWeight;
  private final float diceEps;

  private MatchingCost(float classWeight, float maskWeight, float diceWeight, float diceEps) {
    this.classWeight = classWeight;
    this.maskWeight = maskWeight;
    this.diceWeight = diceWeight;
    this.diceEps = diceEps;
  }

  /** Mask2Former's weights 2 / 5 / 5 and Dice eps 1. */
  public static MatchingCost mask2former() {
    return new MatchingCost(CLASS_WEIGHT, MASK_WEIGHT, DICE_WEIGHT, DICE_EPS);
  }

  /**
   * Other weights (non-negative, finite; 0 drops a term) and Dice eps (positive, finite).
   *
   * @throws DelineoException naming the setting that is out of range
   */
  public static MatchingCost of(float classWeight, float maskWeight, float diceWeight, float diceEps) {
    requireWeight("class", classWeight);
    requireWeight("mask", maskWeight);
    requireWeight("dice", diceWeight);
    if (!(diceEps > 0f) || !Float.isFinite(diceEps)) {
      throw new DelineoException("matching cost dice eps: expected positive and finite, found " + diceEps);
    }
    return new MatchingCost(classWeight, maskWeight, diceWeight, diceEps);
  }

  private static void requireWeight(String term, float weight) {
    if (!(weight >= 0f) || !Float.isFinite(weight)) {
      throw new DelineoException(
          "matching cost " + term + " weight: expected non-negative and finite, found " + weight);
    }
  }

  /**
   * The weighted cost [Q, T]: classWeight · class + maskWeight · bce + diceWeight · dice.
   *
   * @param classLogits [Q, K+1]
   * @param maskLogits [Q, P], the query masks' logits at the sampled points
   * @param targetClasses [T], class ids in [0, K]
   * @param targetMasks [T, P], the target masks at the same points, values in [0, 1]
   * @throws ShapeMismatchException if a rank or a shared size (Q, T, P) disagrees where known
   */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> classLogits, Operand<TFloat32> maskLogits,
      Operand<TInt32> targetClasses, Operand<TFloat32> targetMasks) {
    checkSize("matching cost mask logits: queries (axis 0)", classLogits.shape(), 0,
        maskLogits.shape(), 0);
    checkSize("matching cost target masks: targets (axis 0)", targetClasses.shape(), 0,
        targetMasks.shape(), 0);
    Operand<TFloat32> cost = tf.math.mul(tf.constant(classWeight),
        classification(tf, classLogits, targetClasses));
    cost = tf.math.add(cost, tf.math.mul(tf.constant(maskWeight),
        binaryCrossEntropy(tf, maskLogits, targetMasks)));
    return tf.math.add(cost, tf.math.mul(tf.constant(diceWeight), dice(tf, maskLogits, targetMasks, diceEps)));
  }

  /**
   * mmdet's {@code ClassificationCost} (unweighted): −softmax(classLogits)[q, targetClasses[t]].
   *
   * @param classLogits [Q, K+1]
   * @param targetClasses [T], ids in [0, K] (an id outside fails when the graph runs)
   * @return [Q, T]
   */
  public static Operand<TFloat32> classification(Ops tf, Operand<TFloat32> classLogits,
      Operand<TInt32> targetClasses) {
    requireRank("matching cost class logits [Q, K+1]", classLogits.shape(), 2);
    requireRank("matching cost target classes [T]", targetClasses.shape(), 1);
    Operand<TFloat32> probabilities = tf.nn.softmax(classLogits);
    return tf.math.neg(tf.gather(probabilities, targetClasses, tf.constant(1)));
  }

  /**
   * mmdet's {@code CrossEntropyLossCost} with {@code use_sigmoid=True} (unweighted): the binary
   * cross-entropy of each query's mask logits against each target mask, averaged over the points.
   *
   * @param maskLogits [Q, P]
   * @param targetMasks [T, P]
   * @return [Q, T]
   */
  public static Operand<TFloat32> binaryCrossEntropy(Ops tf, Operand<TFloat32> maskLogits,
      Operand<TFloat32> targetMasks) {
    checkPoints(maskLogits, targetMasks);
    // BCE-with-logits against an all-ones and an all-zeros target, per query and point.
    Operand<TFloat32> positive = tf.math.softplus(tf.math.neg(maskLogits));
    Operand<TFloat32> negative = tf.math.softplus(maskLogits);
    Operand<TFloat32> background = tf.math.sub(tf.constant(1f), targetMasks);
    Operand<TFloat32> sum = tf.math.add(
        tf.linalg.matMul(positive, targetMasks, MatMul.transposeB(true)),
        tf.linalg.matMul(negative, background, MatMul.transposeB(true)));
    return tf.math.div(sum, pointCount(tf, maskLogits));
  }

  /**
   * mmdet's {@code DiceCost} with {@code pred_act=True} and {@code naive_dice=True} (unweighted):
   * 1 − (2 Σ σ(m)·g + eps) / (Σ σ(m) + Σ g + eps) per query and target.
   *
   * @param maskLogits [Q, P]
   * @param targetMasks [T, P]
   * @param eps positive (Mask2Former: {@link #DICE_EPS})
   * @return [Q, T]
   */
  public static Operand<TFloat32> dice(Ops tf, Operand<TFloat32> maskLogits,
      Operand<TFloat32> targetMasks, float eps) {
    checkPoints(maskLogits, targetMasks);
    Operand<TFloat32> probabilities = tf.math.sigmoid(maskLogits);
    Operand<TFloat32> numerator = tf.math.mul(tf.constant(2f),
        tf.linalg.matMul(probabilities, targetMasks, MatMul.transposeB(true)));
    // [Q, 1] + [1, T] → [Q, T]
    Operand<TFloat32> denominator = tf.math.add(
        tf.reduceSum(probabilities, tf.constant(1), ReduceSum.keepDims(true)),
        tf.expandDims(tf.reduceSum(targetMasks, tf.constant(1)), tf.constant(0)));
    Operand<TFloat32> e = tf.constant(eps);
    return tf.math.sub(tf.constant(1f),
        tf.math.div(tf.math.add(numerator, e), tf.math.add(denominator, e)));
  }

  /** P as a float scalar, from the static shape when known, else at run time. */
  private static Operand<TFloat32> pointCount(Ops tf, Operand<TFloat32> maskLogits) {
    long p = maskLogits.shape().get(1);
    if (p >= 0) {
      return tf.constant((float) p);
    }
    Operand<TInt32> size = tf.gather(tf.shape(maskLogits), tf.constant(1), tf.constant(0));
    return tf.dtypes.cast(size, TFloat32.class);
  }

  private static void checkPoints(Operand<TFloat32> maskLogits, Operand<TFloat32> targetMasks) {
    requireRank("matching cost mask logits [Q, P]", maskLogits.shape(), 2);
    requireRank("matching cost target masks [T, P]", targetMasks.shape(), 2);
    checkSize("matching cost target masks: points (axis 1)", maskLogits.shape(), 1,
        targetMasks.shape(), 1);
  }

  private static void requireRank(String what, Shape shape, int rank) {
    if (shape.isUnknown() || shape.numDimensions() != rank) {
      throw new ShapeMismatchException(what + ": expected rank " + rank + ", found shape " + shape);
    }
  }

  /** Fails if axis {@code a} of {@code first} and axis {@code b} of {@code second} are known and differ. */
  private static void checkSize(String what, Shape first, int a, Shape second, int b) {
    if (first.isUnknown() || second.isUnknown()
        || first.numDimensions() <= a || second.numDimensions() <= b) {
      return;
    }
    long x = first.get(a);
    long y = second.get(b);
    if (x >= 0 && y >= 0 && x != y) {
      throw new ShapeMismatchException(what + ": expected " + x + " (from " + first + "), found "
          + y + " in shape " + second);
    }
  }
}
