package org.delineo.losses.mask;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.PointSample;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Mask2Former's training criterion for one decoder stage, in the two halves a graph-mode step needs
 * (mmdet 3.3.0 {@code Mask2FormerHead._get_targets_single} and {@code _loss_by_feat_single},
 * {@code mmdet/models/dense_heads/mask2former_head.py}; targets as {@link ClassMaskTargets}):
 *
 * <ol>
 *   <li>{@link #cost}: the [N, Q, K] matching cost ({@link MatchingCost#mask2former}) of every
 *       query against every class slot, on {@code numPoints} uniform points per image shared by the
 *       predictions and the targets (mmdet's {@code point_coords = torch.rand((1, num_points, 2))}).
 *       Its values are fetched and matched in Java ({@link ClassSlotMatcher}); slots of absent
 *       classes are computed but never matched.
 *   <li>{@link #loss}: given the assignment (the class each query is matched to, −1 = no object),
 *       the class cross-entropy (weight {@value #CLASS_LOSS_WEIGHT}, class weights 1 and
 *       {@value #NO_OBJECT_WEIGHT} for no-object, divided by the sum of the weights of all queries'
 *       labels as mmdet's {@code avg_factor=class_weight[labels].sum()}) and the mask BCE and Dice
 *       ({@link PointMaskLosses}, weights 5 and 5) of the matched queries on importance-sampled
 *       points ({@link UncertaintyPointSampler}), normalised by max(matched masks, 1).
 * </ol>
 *
 * The batched cost reuses the per-image {@link MatchingCost} on the whole batch flattened to
 * [N·Q, N·K] and keeps the N diagonal blocks (image n's queries against image n's targets): N times
 * the work of a per-image loop, which graph mode cannot express over a run-time batch size; the
 * reference batch is 2 per device, and the [N·Q, P] × [P, N·K] products are small beside the model.
 */
public final class Mask2FormerCriterion {
  /** mmdet Mask2Former's {@code loss_cls.loss_weight}. */
  public static final float CLASS_LOSS_WEIGHT = 2f;
  /** mmdet Mask2Former's {@code loss_cls.class_weight} of the no-object class (the others 1). */
  public static final float NO_OBJECT_WEIGHT = 0.1f;

  private final int numClasses;
  private final int numPoints;
  private final MatchingCost matchingCost = MatchingCost.mask2former();
  private final UncertaintyPointSampler sampler;

  /**
   * @param numClasses K (the class logits have K + 1 entries)
   * @param numPoints points per image of the matching cost and per mask of the losses (mmdet 12 544)
   */
  public Mask2FormerCriterion(int numClasses, int numPoints) {
    if (numClasses < 1) {
      throw new DelineoException("Mask2Former criterion: num_classes must be positive, found " + numClasses);
    }
    this.numClasses = numClasses;
    this.numPoints = numPoints;
    this.sampler = UncertaintyPointSampler.mask2former(numPoints);
  }

  /**
   * The matching cost of one stage, without gradient.
   *
   * @param classLogits [N, Q, K + 1]
   * @param maskLogits [N, Q, h, w]
   * @param key [2] int64 key of the uniform points (distinct per stage; keyed by the step)
   * @return [N, Q, K]: cost of query q against the mask of class k in image n
   */
  public Operand<TFloat32> cost(Ops tf, Operand<TFloat32> classLogits, Operand<TFloat32> maskLogits,
      ClassMaskTargets targets, Operand<TInt64> key) {
    int q = queries(classLogits);
    Operand<TFloat32> cls = tf.stopGradient(classLogits);
    Operand<TFloat32> masks = tf.stopGradient(maskLogits);
    Operand<TInt32> batch = tf.gather(tf.shape(cls), tf.constant(0), tf.constant(0));
    Operand<TFloat32> points = UncertaintyPointSampler.randomPoints(tf, batch, numPoints, key); // [N, P, 2]
    // Predictions at the points: [N, Q, h, w] → [N, h, w, Q] → [N, P, Q] → [N·Q, P].
    Operand<TFloat32> predicted = tf.reshape(tf.linalg.transpose(PointSample.sample(tf,
            tf.linalg.transpose(masks, tf.constant(new int[] {0, 2, 3, 1})), points), tf.constant(new int[] {0, 2, 1})),
        tf.constant(new long[] {-1, numPoints}));
    Operand<TFloat32> target = tf.reshape(tf.linalg.transpose(PointSample.sample(tf, targets.masks(), points),
        tf.constant(new int[] {0, 2, 1})), tf.constant(new long[] {-1, numPoints})); // [N·K, P]
    Operand<TInt32> slotClasses = tf.tile(tf.range(tf.constant(0), tf.constant(numClasses), tf.constant(1)),
        tf.expandDims(batch, tf.constant(0))); // [N·K]: 0..K−1 per image
    Operand<TFloat32> all = matchingCost.apply(tf, tf.reshape(cls, tf.constant(new long[] {-1, numClasses + 1})),
        predicted, slotClasses, target); // [N·Q, N·K]
    Operand<TFloat32> blocks = tf.reshape(all, tf.stack(List.of(batch, tf.constant(q), batch, tf.constant(numClasses))));
    // Keep image n's block of image n: multiply by the identity over the two batch axes and sum.
    Operand<TFloat32> eye = tf.reshape(tf.oneHot(tf.range(tf.constant(0), batch, tf.constant(1)), batch,
        tf.constant(1f), tf.constant(0f)), tf.stack(List.of(batch, tf.constant(1), batch, tf.constant(1))));
    return tf.reduceSum(tf.math.mul(blocks, eye), tf.constant(2));
  }

  /**
   * The weighted loss terms of one stage given its assignment.
   *
   * @param classLogits [N, Q, K + 1]
   * @param maskLogits [N, Q, h, w]
   * @param assignment [N, Q] int32: the class whose mask each query is matched to, −1 for no object
   *     (every present class of an image matched at most once, as {@link ClassSlotMatcher} makes it)
   * @param key [2] int64 key of the importance sampling (distinct per stage; keyed by the step)
   */
  public Terms loss(Ops tf, Operand<TFloat32> classLogits, Operand<TFloat32> maskLogits, ClassMaskTargets targets,
      Operand<TInt32> assignment, Operand<TInt64> key) {
    int q = queries(classLogits);
    Operand<TBool> matched = tf.math.greaterEqual(assignment, tf.constant(0));
    // Class term: labels = matched class or K (no object); per-query weight w[label].
    Operand<TInt32> labels = tf.select(matched, assignment, tf.fill(tf.shape(assignment), tf.constant(numClasses)));
    // LogSoftmax on [N·Q, K + 1]: its graph gradient sums over axis 1, right only at rank 2
    // (docs/tensorflow-java-pitfalls.md).
    Operand<TFloat32> logProbabilities = tf.reshape(
        tf.nn.logSoftmax(tf.reshape(classLogits, tf.constant(new long[] {-1, numClasses + 1}))), tf.shape(classLogits));
    Operand<TFloat32> ce = tf.math.neg(tf.reduceSum(tf.math.mul(logProbabilities,
        tf.oneHot(labels, tf.constant(numClasses + 1), tf.constant(1f), tf.constant(0f))), tf.constant(2)));
    Operand<TFloat32> weights = tf.select(matched, tf.fill(tf.shape(assignment), tf.constant(1f)),
        tf.fill(tf.shape(assignment), tf.constant(NO_OBJECT_WEIGHT)));
    Operand<TFloat32> classLoss = tf.math.div(sumAll(tf, tf.math.mul(weights, ce)),
        tf.math.add(sumAll(tf, weights), tf.constant(PointMaskLosses.AVG_FACTOR_EPS)));

    // Mask terms on the matched queries only: rows n·Q + q of the predictions, n·K + class of the targets.
    Operand<TInt32> where = tf.dtypes.cast(tf.where(matched), TInt32.class); // [M, 2] (n, q)
    Operand<TInt32> image = tf.squeeze(tf.slice(where, tf.constant(new int[] {0, 0}), tf.constant(new int[] {-1, 1})),
        Squeeze.axis(List.of(1L)));
    Operand<TInt32> query = tf.squeeze(tf.slice(where, tf.constant(new int[] {0, 1}), tf.constant(new int[] {-1, 1})),
        Squeeze.axis(List.of(1L)));
    Operand<TInt32> predictionRows = tf.math.add(tf.math.mul(image, tf.constant(q)), query);
    Operand<TInt32> targetRows = tf.math.add(tf.math.mul(image, tf.constant(numClasses)),
        tf.gatherNd(assignment, where));
    Operand<TFloat32> predictions = tf.gather(flattenMaps(tf, maskLogits), predictionRows, tf.constant(0)); // [M, h, w]
    Operand<TFloat32> targetMaps = tf.gather(flattenMaps(tf,
        tf.linalg.transpose(targets.masks(), tf.constant(new int[] {0, 3, 1, 2}))), targetRows, tf.constant(0));
    Operand<TFloat32> points = sampler.sample(tf, predictions, key).points(); // [M, P, 2]
    Operand<TFloat32> z = atPoints(tf, predictions, points);
    Operand<TFloat32> g = tf.stopGradient(atPoints(tf, targetMaps, points));
    Operand<TFloat32> numMasks = tf.dtypes.cast(tf.gather(tf.shape(where), tf.constant(0), tf.constant(0)),
        TFloat32.class);
    Operand<TFloat32> maskLoss = PointMaskLosses.maskLoss(tf, z, g, numMasks);
    Operand<TFloat32> diceLoss = PointMaskLosses.diceLoss(tf, z, g, numMasks);
    return new Terms(tf.math.mul(tf.constant(CLASS_LOSS_WEIGHT), classLoss),
        tf.math.mul(tf.constant(PointMaskLosses.MASK_LOSS_WEIGHT), maskLoss),
        tf.math.mul(tf.constant(PointMaskLosses.DICE_LOSS_WEIGHT), diceLoss));
  }

  /**
   * One stage's weighted terms (mmdet's {@code loss_cls}, {@code loss_mask}, {@code loss_dice}).
   *
   * @param classLoss 2 · weighted class cross-entropy
   * @param maskLoss 5 · point BCE
   * @param diceLoss 5 · point Dice
   */
  public record Terms(Operand<TFloat32> classLoss, Operand<TFloat32> maskLoss, Operand<TFloat32> diceLoss) {
    /** classLoss + maskLoss + diceLoss. */
    public Operand<TFloat32> total(Ops tf) {
      return tf.math.addN(List.of(classLoss, maskLoss, diceLoss));
    }
  }

  /** [M, h, w] maps sampled at [M, P, 2] points → [M, P]. */
  private static Operand<TFloat32> atPoints(Ops tf, Operand<TFloat32> maps, Operand<TFloat32> points) {
    return tf.squeeze(PointSample.sample(tf, tf.expandDims(maps, tf.constant(-1)), points),
        Squeeze.axis(List.of(2L)));
  }

  /** [N, C, h, w] → [N·C, h, w]. */
  private static Operand<TFloat32> flattenMaps(Ops tf, Operand<TFloat32> maps) {
    Operand<TInt32> shape = tf.shape(maps);
    return tf.reshape(maps, tf.concat(List.of(tf.constant(new int[] {-1}),
        tf.slice(shape, tf.constant(new int[] {2}), tf.constant(new int[] {2}))), tf.constant(0)));
  }

  private int queries(Operand<TFloat32> classLogits) {
    Shape s = classLogits.shape();
    if (s.isUnknown() || s.numDimensions() != 3 || s.get(1) < 1 || s.get(2) != numClasses + 1) {
      throw new ShapeMismatchException("Mask2Former criterion: expected class logits [N, Q, " + (numClasses + 1)
          + "] with a static Q, found " + s);
    }
    return (int) s.get(1);
  }

  private static Operand<TFloat32> sumAll(Ops tf, Operand<TFloat32> x) {
    return tf.reduceSum(x, tf.constant(new int[] {0, 1}));
  }
}
