package org.delineo.losses;

import java.util.Arrays;
import org.delineo.graph.gradients.CustomGradients;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Pixel-wise softmax cross-entropy on channels-last logits with mmsegmentation's
 * {@code CrossEntropyLoss} semantics (reference-methods.md §1.3, §2.3).
 *
 * <p>Per pixel with label y ≠ ignore index, with log-probabilities ℓ = log_softmax(z), class
 * weights w (all 1 when unset) and label smoothing ε (0 when unset):
 *
 * <pre>
 *   e = −Σ_k t_k · w_k · ℓ_k,   t = (1 − ε)·onehot(y) + ε / K
 * </pre>
 *
 * i.e. PyTorch's {@code F.cross_entropy(weight=w, label_smoothing=ε, reduction='none')}:
 * (1 − ε)·w_y·CE + ε·mean_k(−w_k·ℓ_k). Ignored pixels give 0. Each e is multiplied by the
 * optional per-pixel weight (e.g. an OHEM mask). The reduction is Σ e / (non-ignored pixel count +
 * ε_f32) with {@code avgNonIgnore} (the default; an all-ignored batch gives 0, not NaN), else Σ e /
 * (all pixels). Class weights do not change the divisor (unlike PyTorch's weighted mean).
 *
 * <p>Without smoothing the terms come from TF's fused SparseSoftmaxCrossEntropyWithLogits (its
 * gradient is registered in {@code CustomGradients}); its backward pass keeps one [pixels, K] tensor,
 * where the LogSoftmax · OneHot formulation, still used with smoothing, keeps three. Labels outside
 * [0, K) other than the ignore index are not checked (PyTorch would fail): they get no target, so
 * they add only the smoothing part to the sum, and count in the divisor.
 *
 * <p>Worked example: one image of 1 × 2 pixels and 2 classes, the second pixel ignored.
 *
 * <pre>{@code
 * Operand<TFloat32> logits = tf.constant(new float[][][][] {{{{0f, 0f}, {2f, 0f}}}}); // [1, 1, 2, 2]
 * Operand<TInt32> labels = tf.constant(new int[][][] {{{1, 255}}});                  // [1, 1, 2]
 * CrossEntropyLoss ce = CrossEntropyLoss.builder().build();
 * Operand<TFloat32> loss = ce.apply(tf, logits, labels);
 * // pixel 0: −log(e^0 / (e^0 + e^0)) = ln 2; pixel 1 ignored
 * // avgNonIgnore = true : ln 2 / (1 + ε_f32) ≈ 0.6931
 * // avgNonIgnore = false: ln 2 / 2            ≈ 0.3466
 * }</pre>
 */
public final class CrossEntropyLoss implements LossTerm {
  /** mmseg's and the data pipeline's ignore label. */
  public static final int DEFAULT_IGNORE_INDEX = 255;
  /** float32 machine epsilon ({@code torch.finfo(torch.float32).eps}), mmseg's divisor guard. */
  public static final float EPS = Math.ulp(1f);

  private final int ignoreIndex;
  private final boolean avgNonIgnore;
  private final float[] classWeights;
  private final float labelSmoothing;

  private CrossEntropyLoss(Builder b) {
    this.ignoreIndex = b.ignoreIndex;
    this.avgNonIgnore = b.avgNonIgnore;
    this.classWeights = b.classWeights == null ? null : b.classWeights.clone();
    this.labelSmoothing = b.labelSmoothing;
  }

  /** A builder with defaults: ignore 255, avgNonIgnore, no class weights, no smoothing. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The scalar loss with per-pixel weights that multiply each pixel's term (the divisor is
   * unchanged, as in mmseg).
   *
   * @param logits [N, H, W, K] or [N, D, H, W, K], K static
   * @param labels [N, H, W] or [N, D, H, W] class ids, {@code ignoreIndex} for ignored pixels
   * @param pixelWeights the labels' shape, or null for none
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   * @throws org.delineo.graph.DelineoException if class weights do not match K
   */
  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights) {
    Operand<TFloat32> summed = PixelLabels.sumAll(tf, pixelLosses(tf, logits, labels, pixelWeights));
    Operand<TFloat32> divisor;
    if (avgNonIgnore) {
      Operand<TFloat32> count = PixelLabels.sumAll(tf, PixelLabels.validMask(tf, labels, ignoreIndex));
      divisor = tf.math.add(count, tf.constant(EPS));
    } else {
      divisor = tf.dtypes.cast(tf.size(labels), TFloat32.class);
    }
    return tf.math.div(summed, divisor);
  }

  /**
   * The unreduced per-pixel terms e (times the pixel weights, if not null), zero at ignored
   * pixels; the labels' shape. For samplers (OHEM) and custom reductions.
   */
  public Operand<TFloat32> pixelLosses(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights) {
    int k = PixelLabels.classes("cross-entropy", logits, labels, pixelWeights);
    PixelLabels.require(classWeights == null || classWeights.length == k,
        "cross-entropy class weights: expected " + k + " values (one per class), found "
            + (classWeights == null ? 0 : classWeights.length) + " " + Arrays.toString(classWeights));
    Operand<TFloat32> perPixel = labelSmoothing > 0f ? smoothedTerms(tf, logits, labels, k) : fusedTerms(tf, logits, labels, k);
    // The mask matters even without smoothing: the ignore index may lie inside [0, K).
    Operand<TFloat32> masked = tf.math.mul(perPixel, PixelLabels.validMask(tf, labels, ignoreIndex));
    return pixelWeights == null ? masked : tf.math.mul(masked, pixelWeights);
  }

  /**
   * −w_y·ℓ_y from the fused kernel. Labels outside [0, K) are fed as class 0 (the kernel rejects
   * them) and their terms zeroed, as a one-hot row of zeros gives them.
   */
  private Operand<TFloat32> fusedTerms(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels, int k) {
    CustomGradients.install();
    Operand<TBool> inRange = tf.math.logicalAnd(
        tf.math.greaterEqual(labels, tf.constant(0)), tf.math.less(labels, tf.constant(k)));
    Operand<TInt32> safe = tf.select(inRange, labels, tf.zerosLike(labels));
    Operand<TFloat32> terms = tf.reshape(
        tf.nn.sparseSoftmaxCrossEntropyWithLogits(
            tf.reshape(logits, tf.constant(new long[] {-1, k})), tf.reshape(safe, tf.constant(new long[] {-1})))
            .loss(),
        tf.shape(labels));
    terms = tf.math.mul(terms, tf.dtypes.cast(inRange, TFloat32.class));
    return classWeights == null ? terms : tf.math.mul(terms, tf.gather(tf.constant(classWeights), safe, tf.constant(0)));
  }

  /** −Σ_k t_k·w_k·ℓ_k with smoothed one-hot targets t. */
  private Operand<TFloat32> smoothedTerms(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels, int k) {
    // LogSoftmax runs on [pixels, K]: TF's C++ LogSoftmax gradient sums over axis 1, which is the
    // class axis only for rank-2 input (on NHWC logits it silently gives a wrong gradient).
    Operand<TFloat32> logProbs = tf.reshape(
        tf.nn.logSoftmax(tf.reshape(logits, tf.constant(new long[] {-1, k}))), tf.shape(logits));
    Operand<TFloat32> targets = tf.math.add(
        tf.math.mul(PixelLabels.oneHot(tf, labels, k), tf.constant(1f - labelSmoothing)),
        tf.constant(labelSmoothing / k));
    if (classWeights != null) {
      targets = tf.math.mul(targets, tf.constant(classWeights));
    }
    return tf.math.neg(tf.reduceSum(tf.math.mul(targets, logProbs), tf.constant(-1)));
  }

  /** The label excluded from the loss. */
  public int ignoreIndex() {
    return ignoreIndex;
  }

  /** Readable construction of a {@link CrossEntropyLoss}; every setting has a default. */
  public static final class Builder {
    private int ignoreIndex = DEFAULT_IGNORE_INDEX;
    private boolean avgNonIgnore = true;
    private float[] classWeights;
    private float labelSmoothing;

    private Builder() {}

    /** Label whose pixels are excluded (default 255). */
    public Builder ignoreIndex(int value) {
      this.ignoreIndex = value;
      return this;
    }

    /**
     * True (default): divide by the non-ignored pixel count + ε; false: by all pixels, ignored ones
     * included (mmseg's {@code avg_non_ignore=False}).
     */
    public Builder avgNonIgnore(boolean value) {
      this.avgNonIgnore = value;
      return this;
    }

    /** One finite, non-negative weight per class; null or empty for none. */
    public Builder classWeights(float... values) {
      this.classWeights = values == null || values.length == 0 ? null : values.clone();
      return this;
    }

    /** Label smoothing ε in [0, 1) (default 0). */
    public Builder labelSmoothing(float value) {
      this.labelSmoothing = value;
      return this;
    }

    /** @throws org.delineo.graph.DelineoException on an invalid setting, naming it */
    public CrossEntropyLoss build() {
      PixelLabels.require(labelSmoothing >= 0f && labelSmoothing < 1f,
          "cross-entropy label smoothing must lie in [0, 1), found " + labelSmoothing);
      if (classWeights != null) {
        for (float w : classWeights) {
          PixelLabels.require(Float.isFinite(w) && w >= 0f,
              "cross-entropy class weights must be finite and non-negative, found "
                  + Arrays.toString(classWeights));
        }
      }
      return new CrossEntropyLoss(this);
    }
  }
}
