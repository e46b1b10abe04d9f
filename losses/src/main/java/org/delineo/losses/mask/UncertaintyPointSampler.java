package org.delineo.losses.mask;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.PointSample;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gather;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.nn.TopK;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Importance sampling of mask points by uncertainty, mmdet's {@code
 * get_uncertain_point_coords_with_randomness} ({@code mmdet/models/utils/point_sample.py}, mmdet
 * 3.3.0), which Mask2Former's loss runs on the matched mask logits under {@code torch.no_grad}
 * ({@code mmdet/models/dense_heads/mask2former_head.py}, {@code _loss_by_feat_single}).
 *
 * <p>For each of the M masks, with P = numPoints, k = oversample ratio and β = importance ratio:
 *
 * <ol>
 *   <li>draw int(k·P) uniform candidates in [0, 1)² (mmdet: {@code torch.rand});
 *   <li>bilinearly sample the mask logit at each candidate ({@link PointSample}, mmcv's {@code
 *       point_sample}); its uncertainty is −|logit| (mmdet's {@code get_uncertainty} for a
 *       single-channel mask), so logits near 0 are the most uncertain;
 *   <li>keep the int(β·P) candidates of highest uncertainty, in decreasing order ({@code
 *       torch.topk});
 *   <li>append P − int(β·P) fresh uniform points.
 * </ol>
 *
 * The counts truncate like Python's {@code int()} on doubles; Mask2Former uses P = 12 544, k = 3,
 * β = 0.75: 37 632 candidates, 9 408 uncertain and 3 136 random points per mask. The output is
 * wrapped in StopGradient, as mmdet computes it without gradient.
 *
 * <p>Randomness comes from one stateless uniform draw of shape [M, int(k·P) + P − int(β·P), 2]
 * keyed by the caller's [2] int64 key: the first int(k·P) points of each mask are the candidates,
 * the rest the fresh points. The same key gives the same points in any session or graph, so a
 * training step keyed by (op seed, step) is reproducible and a resumed run draws what an
 * uninterrupted one would have; different decoder layers or images need different keys.
 *
 * <p>Worked example: P = 4, k = 2, β = 0.5 gives 8 candidates, 2 uncertain and 2 random points.
 * If a mask's logits at the 8 candidates are (3, −0.2, 5, 0.1, −4, 1, −2, 0.7), the uncertainties
 * are (−3, −0.2, −5, −0.1, −4, −1, −2, −0.7), the two most uncertain candidates are #3 (−0.1) and
 * #1 (−0.2) (counting from 0), and the mask's points are (candidate 3, candidate 1, fresh 1,
 * fresh 2).
 *
 * <pre>{@code
 * UncertaintyPointSampler sampler = UncertaintyPointSampler.mask2former(12_544);
 * Operand<TInt64> key = tf.stack(List.of(tf.constant(layerSeed), step));
 * UncertainPoints sampled = sampler.sample(tf, maskLogits, key);        // [M, H, W] → [M, P, 2]
 * Operand<TFloat32> z = PointSample.sample(
 *     tf, tf.expandDims(maskLogits, tf.constant(-1)), sampled.points()); // [M, P, 1]
 * }</pre>
 */
public final class UncertaintyPointSampler {
  /** Mask2Former's (mmdet's) {@code train_num_points}. */
  public static final int MASK2FORMER_NUM_POINTS = 12_544;
  /** Mask2Former's (mmdet's) {@code oversample_ratio}. */
  public static final double MASK2FORMER_OVERSAMPLE_RATIO = 3.0;
  /** Mask2Former's (mmdet's) {@code importance_sample_ratio}. */
  public static final double MASK2FORMER_IMPORTANCE_SAMPLE_RATIO = 0.75;

  private final int numPoints;
  private final int numCandidates;
  private final int numUncertain;

  /**
   * @param numPoints P ≥ 1, the points per mask
   * @param oversampleRatio k ≥ 1
   * @param importanceSampleRatio β in [0, 1]
   * @throws DelineoException on a value out of range (mmdet asserts the same bounds)
   */
  public UncertaintyPointSampler(
      int numPoints, double oversampleRatio, double importanceSampleRatio) {
    if (numPoints < 1) {
      throw new DelineoException("point sampler: num_points must be >= 1, found " + numPoints);
    }
    if (!(oversampleRatio >= 1)) {
      throw new DelineoException(
          "point sampler: oversample_ratio must be >= 1, found " + oversampleRatio);
    }
    if (!(importanceSampleRatio >= 0 && importanceSampleRatio <= 1)) {
      throw new DelineoException(
          "point sampler: importance_sample_ratio must lie in [0, 1], found "
              + importanceSampleRatio);
    }
    this.numPoints = numPoints;
    this.numCandidates = Math.toIntExact((long) (numPoints * oversampleRatio));
    this.numUncertain = (int) (importanceSampleRatio * numPoints);
  }

  /** Mask2Former's ratios (oversample 3, importance 0.75) with {@code numPoints} points. */
  public static UncertaintyPointSampler mask2former(int numPoints) {
    return new UncertaintyPointSampler(
        numPoints, MASK2FORMER_OVERSAMPLE_RATIO, MASK2FORMER_IMPORTANCE_SAMPLE_RATIO);
  }

  /** P: the points per mask. */
  public int numPoints() {
    return numPoints;
  }

  /** int(P·k): the uniform candidates per mask. */
  public int numCandidates() {
    return numCandidates;
  }

  /** int(β·P): the most uncertain candidates kept per mask. */
  public int numUncertain() {
    return numUncertain;
  }

  /** P − int(β·P): the fresh uniform points per mask. */
  public int numRandom() {
    return numPoints - numUncertain;
  }

  /**
   * The importance-sampled points of every mask.
   *
   * @param maskLogits [M, H, W] one logit map per mask, static H and W; M may be unknown (the
   *     number of matched masks varies per step) and may be 0
   * @param key [2] int64 key of the stateless draw
   * @throws ShapeMismatchException when the logits are not [M, H, W] or the key is not [2]
   */
  public UncertainPoints sample(Ops tf, Operand<TFloat32> maskLogits, Operand<TInt64> key) {
    Shape s = maskLogits.shape();
    if (s.isUnknown() || s.numDimensions() != 3) {
      throw new ShapeMismatchException(
          "point sampler: expected mask logits [M, H, W], found shape " + s);
    }
    Operand<TInt32> masks = tf.gather(tf.shape(maskLogits), tf.constant(0), tf.constant(0));
    Operand<TFloat32> uniform = uniform(tf, masks, numCandidates + numRandom(), key);
    Operand<TFloat32> candidates = points(tf, uniform, 0, numCandidates);
    Operand<TFloat32> logits = tf.expandDims(tf.stopGradient(maskLogits), tf.constant(-1));
    Operand<TFloat32> sampled = PointSample.sample(tf, logits, candidates);
    Operand<TFloat32> uncertainty =
        tf.math.neg(tf.math.abs(tf.squeeze(sampled, Squeeze.axis(List.of(2L)))));
    Operand<TFloat32> points;
    if (numUncertain == 0) {
      points = points(tf, uniform, numCandidates, numRandom());
    } else {
      // TopK's indices carry no gradient and need none (tensorflow-java-notes.md §3.4).
      TopK<TFloat32, TInt32> top = tf.nn.topK(uncertainty, tf.constant(numUncertain), TInt32.class);
      Operand<TFloat32> uncertain =
          tf.gather(candidates, top.indices(), tf.constant(1), Gather.batchDims(1L));
      points = numRandom() == 0 ? uncertain
          : tf.concat(List.of(uncertain, points(tf, uniform, numCandidates, numRandom())),
              tf.constant(1));
    }
    return new UncertainPoints(tf.stopGradient(points), candidates, tf.stopGradient(uncertainty));
  }

  /**
   * {@code count} sets of {@code numPoints} uniform points in [0, 1)², [count, numPoints, 2], from a
   * stateless draw keyed by {@code key} ([2] int64), without gradient. Mask2Former's matching cost
   * evaluates predictions and targets on one such set per image ({@code count} 1, shared by all
   * masks; {@link PointSample} broadcasts a [1, P, 2] set over the maps).
   */
  public static Operand<TFloat32> randomPoints(
      Ops tf, Operand<TInt32> count, long numPoints, Operand<TInt64> key) {
    if (numPoints < 1) {
      throw new DelineoException("random points: num_points must be >= 1, found " + numPoints);
    }
    return uniform(tf, count, numPoints, key);
  }

  /** Stateless uniform values of shape [count, n, 2]. */
  private static Operand<TFloat32> uniform(
      Ops tf, Operand<TInt32> count, long n, Operand<TInt64> key) {
    Shape k = key.shape();
    if (!k.isUnknown() && !(k.numDimensions() == 1 && (k.get(0) == 2 || k.get(0) < 0))) {
      throw new ShapeMismatchException("point sampler: expected a [2] int64 key, found shape " + k);
    }
    Operand<TInt32> shape =
        tf.stack(List.of(count, tf.constant(Math.toIntExact(n)), tf.constant(2)));
    return tf.stopGradient(tf.random.statelessRandomUniform(shape, key, TFloat32.class));
  }

  /** Points {@code from .. from + n − 1} of every mask in {@code uniform} [M, S, 2]. */
  private static Operand<TFloat32> points(Ops tf, Operand<TFloat32> uniform, int from, int n) {
    return tf.slice(
        uniform, tf.constant(new int[] {0, from, 0}), tf.constant(new int[] {-1, n, 2}));
  }
}
