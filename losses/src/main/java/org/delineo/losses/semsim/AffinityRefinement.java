package org.delineo.losses.semsim;

import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;

/**
 * SemSim's intra-image refinement (Eq. 4–5): an affinity M between the feature positions of each
 * image, and the prediction refined by it, p_in = I(p) + I(p)·M.
 *
 * <p>M(k1, k2) = softmax over k2 of cos(f̃(k1), f̃(k2)), computed per image over the h·w positions of
 * the feature map f̃ [N, h, w, D]; I(p) is the decoder's probability map [N, H, W, K] resized
 * bilinearly to (h, w) (PyTorch {@code align_corners=False} by default).
 *
 * <p>Matmul orientation (decision SS-3). Each row M(k1, ·) is a distribution over k2 (the softmax
 * runs over k2), so the refinement can be read two ways:
 * <ul>
 *   <li>{@link Orientation#ROW_AVERAGE} (default): p_in(k1) = p(k1) + Σ_k2 M(k1, k2)·p(k2), i.e.
 *       {@code P + M·P} with P = [h·w, K]. Each position adds the affinity-weighted <em>average</em> of
 *       the predictions of the positions similar to it, so Σ_c p_in(k, c) = 2 at every position and
 *       p_in / 2 is again a distribution. This is what "spreading similar regions toward the same
 *       label" needs, and it is why the row normalisation makes sense.</li>
 *   <li>{@link Orientation#PAPER_LITERAL}: the product exactly as typeset with I(p) ∈ R^{K×HW}:
 *       p_in(k2) = p(k2) + Σ_k1 p(k1)·M(k1, k2), i.e. {@code P + Mᵀ·P}. The columns of M are not
 *       normalised, so a position that many others resemble gathers up to h·w times more mass
 *       than an isolated one; kept for comparison with code that follows the typesetting.</li>
 * </ul>
 * Both orientations return the paper's unnormalised p_in; {@link #asDistribution} divides by the
 * class sum (by 2 under ROW_AVERAGE) so that confidence thresholds and Dice targets keep their
 * meaning as probabilities.
 */
public final class AffinityRefinement {
  /** How I(p)·M is multiplied out; see the class comment. */
  public enum Orientation {
    /** p_in = P + M·P: each position adds the M-weighted average of the others (default). */
    ROW_AVERAGE,
    /** p_in = P + Mᵀ·P: the product as typeset for I(p) ∈ R^{K×HW}. */
    PAPER_LITERAL
  }

  private final Orientation orientation;
  private final ResizeMode resizeMode;

  /**
   * @param orientation see {@link Orientation}
   * @param resizeMode corner convention of the bilinear I(·)
   */
  public AffinityRefinement(Orientation orientation, ResizeMode resizeMode) {
    SemSimTensors.require(orientation != null && resizeMode != null,
        "affinity refinement: orientation and resize mode must be set, found "
            + orientation + " and " + resizeMode);
    this.orientation = orientation;
    this.resizeMode = resizeMode;
  }

  /** ROW_AVERAGE orientation, half-pixel bilinear resize (PyTorch's default). */
  public static AffinityRefinement defaults() {
    return new AffinityRefinement(Orientation.ROW_AVERAGE, ResizeMode.HALF_PIXEL);
  }

  /**
   * The affinity M [N, h·w, h·w] of features [N, h, w, D] (positions in row-major order): row k1 is
   * the softmax over k2 of the cosine similarities cos(f̃(k1), f̃(k2)).
   */
  public Operand<TFloat32> affinity(Ops tf, Operand<TFloat32> features) {
    long[] hwd = SemSimTensors.staticHwc("affinity features", features);
    Operand<TFloat32> flat = tf.reshape(
        SemSimTensors.l2Normalize(tf, features), tf.constant(new long[] {-1, hwd[0] * hwd[1], hwd[2]}));
    Operand<TFloat32> cosine = tf.train.batchMatMul(flat, flat, TFloat32.class, BatchMatMul.adjY(true));
    // Softmax reduces over the last axis (its gradient is right at rank > 2, unlike LogSoftmax's).
    return tf.nn.softmax(cosine);
  }

  /**
   * The refined prediction p_in = I(p) + I(p)·M [N, h, w, K] (unnormalised, Eq. 5).
   *
   * @param probs decoder probabilities [N, H, W, K]
   * @param features the enhanced features f̃ [N, h, w, D] of the same view
   */
  public Operand<TFloat32> refine(Ops tf, Operand<TFloat32> probs, Operand<TFloat32> features) {
    long[] hwd = SemSimTensors.staticHwc("affinity features", features);
    long k = SemSimTensors.staticHwc("affinity probabilities", probs)[2];
    if (probs.shape().get(0) >= 0 && features.shape().get(0) >= 0
        && probs.shape().get(0) != features.shape().get(0)) {
      throw new ShapeMismatchException("affinity refinement: probabilities and features must hold the"
          + " same images; batch sizes " + probs.shape().get(0) + " vs " + features.shape().get(0));
    }
    long h = hwd[0];
    long w = hwd[1];
    Operand<TFloat32> resized = SemSimTensors.resizeTo(tf, probs, h, w, resizeMode);
    Operand<TFloat32> p = tf.reshape(resized, tf.constant(new long[] {-1, h * w, k}));
    Operand<TFloat32> m = affinity(tf, features);
    Operand<TFloat32> spread = orientation == Orientation.ROW_AVERAGE
        ? tf.train.batchMatMul(m, p, TFloat32.class)
        : tf.train.batchMatMul(m, p, TFloat32.class, BatchMatMul.adjX(true));
    return tf.reshape(tf.math.add(p, spread), tf.constant(new long[] {-1, h, w, k}));
  }

  /**
   * I(p): the probabilities [N, H, W, K] brought bilinearly to the resolution (h, w) of the features
   * [N, h, w, D], the unrefined prediction that {@link #refine} starts from.
   */
  public Operand<TFloat32> resized(Ops tf, Operand<TFloat32> probs, Operand<TFloat32> features) {
    long[] hwd = SemSimTensors.staticHwc("affinity features", features);
    SemSimTensors.staticHwc("affinity probabilities", probs);
    return SemSimTensors.resizeTo(tf, probs, hwd[0], hwd[1], resizeMode);
  }

  /** p / Σ_c p at every position: the refined prediction as a distribution over classes. */
  public static Operand<TFloat32> asDistribution(Ops tf, Operand<TFloat32> refined) {
    return tf.math.div(refined,
        tf.reduceSum(refined, tf.constant(-1), ReduceSum.keepDims(true)));
  }

  /** The matmul orientation in use. */
  public Orientation orientation() {
    return orientation;
  }
}
