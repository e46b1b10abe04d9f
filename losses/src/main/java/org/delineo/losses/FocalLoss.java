package org.delineo.losses;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Focal loss on channels-last logits (reference-methods.md §1.3, §2.3, decision PV-1), in two
 * forms selected by {@link Form}. Both down-weight well-classified pixels by (1 − p_t)^γ.
 *
 * <p><b>{@link Form#SIGMOID}</b>: mmsegmentation's {@code FocalLoss(use_sigmoid=True)}. The K logits
 * of a pixel are K independent binary problems against the one-hot target t (an ignored pixel is
 * given class 0, as mmseg does, and then masked out). Per entry (pixel i, class k), with
 * z_t = z if t = 1 else −z and p_t = σ(z_t):
 *
 * <pre>
 *   e_ik = α_t · (1 − p_t)^γ · (−log p_t) · w_k · valid_i · pw_i,   α_t = α if t = 1 else 1 − α
 *   loss = Σ e / (pixels × K)
 * </pre>
 *
 * The divisor counts every entry, ignored pixels included (mmseg's {@code reduction='mean'}), so
 * an all-ignored batch gives 0. −log p_t = softplus(−z_t) and 1 − p_t = σ(−z_t) are evaluated in
 * those stable forms, so logits of ±50 give neither NaN nor Inf in the loss or its gradient.
 *
 * <p><b>{@link Form#SOFTMAX}</b> (the default, PROVE's {@code use_sigmoid=False}, which stock mmseg
 * rejects): the multi-class form of PROVE's documentation, "(1 − p_t)^γ × CE". With p = softmax(z)
 * and y the label of pixel i:
 *
 * <pre>
 *   e_i = α · (1 − p_y)^γ · (−log p_y) · w_y · valid_i · pw_i
 *   loss = Σ e / (non-ignored pixels + ε_f32)
 * </pre>
 *
 * Reading of α: a multi-class softmax has no positive/negative split, so the scalar α multiplies
 * every valid pixel's term (as kornia's multi-class focal loss does); with α = 0.5 and γ = 0 the
 * loss is exactly half of {@link CrossEntropyLoss}. Class weights w_y scale a pixel's term but, as
 * in mmseg's cross-entropy, do not change the divisor; the reduction is mmseg's
 * {@code avg_non_ignore} (an all-ignored batch gives 0, not NaN). log p comes from a LogSoftmax on
 * [pixels, K] (TF's LogSoftmax gradient is wrong for rank &gt; 2), and 1 − p_y = −expm1(log p_y).
 *
 * <p>Per-pixel weights (e.g. an OHEM mask) multiply each pixel's terms, the divisor unchanged.
 *
 * <p>Worked example: one image of 1 × 2 pixels, 2 classes, logits (0, 0) with label 1 and a second,
 * ignored pixel; γ = 2, α = 0.5.
 *
 * <pre>{@code
 * Operand<TFloat32> logits = tf.constant(new float[][][][] {{{{0f, 0f}, {3f, 1f}}}}); // [1, 1, 2, 2]
 * Operand<TInt32> labels = tf.constant(new int[][][] {{{1, 255}}});                  // [1, 1, 2]
 * // SOFTMAX: p_y = 0.5; e = 0.5 · 0.5² · ln 2 ≈ 0.08664; loss = e / (1 + ε) ≈ 0.08664
 * // SIGMOID: every entry of pixel 0 has p_t = σ(0) = 0.5, so e = 0.5 · 0.25 · ln 2 twice;
 * //          loss = 2 · 0.08664 / (2 pixels × 2 classes) ≈ 0.04332
 * Operand<TFloat32> loss = FocalLoss.builder().build().apply(tf, logits, labels);
 * }</pre>
 */
public final class FocalLoss implements LossTerm {
  /** mmseg's and PROVE's focusing parameter. */
  public static final float DEFAULT_GAMMA = 2f;
  /** mmseg's and PROVE's balance factor. */
  public static final float DEFAULT_ALPHA = 0.5f;

  /** Which focal loss: K binary sigmoid problems (mmseg) or one K-way softmax (PROVE's doc). */
  public enum Form {
    /** mmseg's {@code use_sigmoid=True}: per-class sigmoid, mean over pixels × classes. */
    SIGMOID,
    /** (1 − p_t)^γ · CE on a softmax, mean over non-ignored pixels. */
    SOFTMAX
  }

  private final Form form;
  private final float gamma;
  private final float alpha;
  private final int ignoreIndex;
  private final float[] classWeights;

  private FocalLoss(Builder b) {
    this.form = b.form;
    this.gamma = b.gamma;
    this.alpha = b.alpha;
    this.ignoreIndex = b.ignoreIndex;
    this.classWeights = b.classWeights == null ? null : b.classWeights.clone();
  }

  /** A builder with PROVE's settings: SOFTMAX, γ = 2, α = 0.5, ignore 255, no class weights. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The scalar loss.
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
    Operand<TFloat32> terms = pixelTerms(tf, logits, labels, pixelWeights);
    return tf.math.div(PixelLabels.sumAll(tf, terms), divisor(tf, labels, classes(logits)));
  }

  /**
   * Each pixel's share of the numerator (SIGMOID: its K entries summed), times the pixel weights if
   * not null, 0 at ignored pixels; the labels' shape. The loss is their sum over
   * {@link #divisor}; {@link BoundaryAwareFocalLoss} reweights them before summing.
   */
  Operand<TFloat32> pixelTerms(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights) {
    int k = PixelLabels.classes("focal", logits, labels, pixelWeights);
    PixelLabels.require(classWeights == null || classWeights.length == k,
        "focal class weights: expected " + k + " values (one per class), found "
            + (classWeights == null ? 0 : classWeights.length) + " " + Arrays.toString(classWeights));
    Operand<TFloat32> valid = PixelLabels.validMask(tf, labels, ignoreIndex);
    Operand<TFloat32> terms = form == Form.SIGMOID
        ? sigmoidTerms(tf, logits, labels, k)
        : softmaxTerms(tf, logits, labels, k);
    Operand<TFloat32> masked = tf.math.mul(terms, valid);
    return pixelWeights == null ? masked : tf.math.mul(masked, pixelWeights);
  }

  /**
   * The reduction's divisor: SIGMOID pixels × K (ignored pixels included, as mmseg); SOFTMAX the
   * non-ignored pixel count + ε_f32.
   */
  Operand<TFloat32> divisor(Ops tf, Operand<TInt32> labels, int k) {
    if (form == Form.SIGMOID) {
      return tf.math.mul(tf.dtypes.cast(tf.size(labels), TFloat32.class), tf.constant((float) k));
    }
    Operand<TFloat32> count = PixelLabels.sumAll(tf, PixelLabels.validMask(tf, labels, ignoreIndex));
    return tf.math.add(count, tf.constant(CrossEntropyLoss.EPS));
  }

  private Operand<TFloat32> sigmoidTerms(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels, int k) {
    // mmseg turns the ignore label into class 0 before its one-hot; the entries are masked anyway,
    // but the substitution keeps ignore indices inside [0, K) and outside it treated alike.
    Operand<TInt32> safe = tf.select(tf.math.equal(labels, tf.constant(ignoreIndex)),
        tf.zerosLike(labels), labels);
    Operand<TFloat32> t = PixelLabels.oneHot(tf, safe, k);
    // z_t = z for positives, −z for negatives: −log p_t = softplus(−z_t), 1 − p_t = σ(−z_t).
    Operand<TFloat32> sign = tf.math.sub(tf.math.mul(t, tf.constant(2f)), tf.constant(1f));
    Operand<TFloat32> negZt = tf.math.neg(tf.math.mul(logits, sign));
    Operand<TFloat32> ce = tf.math.softplus(negZt);
    Operand<TFloat32> alphaT = tf.math.add(
        tf.math.mul(t, tf.constant(2f * alpha - 1f)), tf.constant(1f - alpha));
    Operand<TFloat32> entries = modulate(tf, tf.math.sigmoid(negZt), tf.math.mul(alphaT, ce));
    if (classWeights != null) {
      entries = tf.math.mul(entries, tf.constant(classWeights));
    }
    return tf.reduceSum(entries, tf.constant(-1));
  }

  private Operand<TFloat32> softmaxTerms(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels, int k) {
    Operand<TFloat32> logProbs = tf.reshape(
        tf.nn.logSoftmax(tf.reshape(logits, tf.constant(new long[] {-1, k}))), tf.shape(logits));
    // Labels outside [0, K) (the ignore index) get a zero row: log p_y = 0, so the term is 0.
    Operand<TFloat32> targets = PixelLabels.oneHot(tf, labels, k);
    Operand<TFloat32> logPy = tf.reduceSum(tf.math.mul(targets, logProbs), tf.constant(-1));
    // 1 − p_y = −expm1(log p_y): no cancellation for confident pixels.
    Operand<TFloat32> oneMinusPy = tf.math.neg(tf.math.expm1(logPy));
    Operand<TFloat32> term =
        modulate(tf, oneMinusPy, tf.math.mul(tf.math.neg(logPy), tf.constant(alpha)));
    if (classWeights != null) {
      Operand<TFloat32> wy = tf.reduceSum(tf.math.mul(targets, tf.constant(classWeights)), tf.constant(-1));
      term = tf.math.mul(term, wy);
    }
    return term;
  }

  /**
   * {@code term} · x^γ for x = 1 − p_t ∈ [0, 1]. Pow's gradient γ·x^(γ−1) is NaN or Inf at x = 0
   * for γ &lt; 1 (0·Inf for γ = 0), and x = 0 happens for saturated logits; so γ = 0 leaves the term
   * alone (OnesLike would have no gradient either), integer γ is repeated multiplication, and other
   * γ clamp x to the smallest normal float.
   */
  private Operand<TFloat32> modulate(Ops tf, Operand<TFloat32> x, Operand<TFloat32> term) {
    if (gamma == 0f) {
      return term;
    }
    Operand<TFloat32> factor;
    if (gamma == Math.rint(gamma) && gamma <= 8f) {
      factor = x;
      for (int i = 1; i < (int) gamma; i++) {
        factor = tf.math.mul(factor, x);
      }
    } else {
      factor = tf.math.pow(tf.math.maximum(x, tf.constant(Float.MIN_NORMAL)), tf.constant(gamma));
    }
    return tf.math.mul(factor, term);
  }

  private static int classes(Operand<TFloat32> logits) {
    return (int) logits.shape().get(logits.shape().numDimensions() - 1);
  }

  /** The selected form. */
  public Form form() {
    return form;
  }

  /** The label excluded from the loss. */
  public int ignoreIndex() {
    return ignoreIndex;
  }

  /** Readable construction of a {@link FocalLoss}; every setting has a default. */
  public static final class Builder {
    private Form form = Form.SOFTMAX;
    private float gamma = DEFAULT_GAMMA;
    private float alpha = DEFAULT_ALPHA;
    private int ignoreIndex = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;
    private float[] classWeights;

    private Builder() {}

    /** SOFTMAX (default, PROVE's configuration) or SIGMOID (mmseg's only form). */
    public Builder form(Form value) {
      this.form = value;
      return this;
    }

    /** Focusing parameter γ ≥ 0 (default 2; 0 removes the modulation). */
    public Builder gamma(float value) {
      this.gamma = value;
      return this;
    }

    /** Balance factor α in [0, 1] (default 0.5); see the class comment for each form. */
    public Builder alpha(float value) {
      this.alpha = value;
      return this;
    }

    /** Label whose pixels are excluded (default 255). */
    public Builder ignoreIndex(int value) {
      this.ignoreIndex = value;
      return this;
    }

    /** One finite, non-negative weight per class; null or empty for none. */
    public Builder classWeights(float... values) {
      this.classWeights = values == null || values.length == 0 ? null : values.clone();
      return this;
    }

    /** @throws org.delineo.graph.DelineoException on an invalid setting, naming it */
    public FocalLoss build() {
      PixelLabels.require(form != null, "focal form must be SIGMOID or SOFTMAX, found null");
      PixelLabels.require(Float.isFinite(gamma) && gamma >= 0f,
          "focal gamma must be finite and non-negative, found " + gamma);
      PixelLabels.require(alpha >= 0f && alpha <= 1f, "focal alpha must lie in [0, 1], found " + alpha);
      if (classWeights != null) {
        for (float w : classWeights) {
          PixelLabels.require(Float.isFinite(w) && w >= 0f,
              "focal class weights must be finite and non-negative, found "
                  + Arrays.toString(classWeights));
        }
      }
      return new FocalLoss(this);
    }
  }
}
