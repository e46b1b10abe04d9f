package org.delineo.losses;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Soft Dice loss on channels-last logits, in two forms selected by {@link Mode}.
 *
 * <p>{@link Mode#CLASS_AVERAGED} (default): UniMatch's form ({@code more-scenarios/medical/util/utils.py
 * DiceLoss} with {@code softmax=True}; reference-methods.md §5.2). p = softmax(logits), y = onehot(labels);
 * sums run over the whole batch (every image and pixel pooled) restricted to pixels whose label is
 * not the ignore index. Per class c, with exponent e and smoothing s:
 *
 * <pre>
 *   d_c = (2 Σ p_c·y_c + s) / (Σ p_c^e + Σ y_c^e + s),   loss = mean_c (1 − d_c)
 * </pre>
 *
 * over all classes (background included, as UniMatch) or classes 1..K−1. Defaults: s = 1e-5,
 * e = 2 (V-Net's squared denominator), ignore 255. A class absent from the labels and predicted
 * nowhere gets d_c ≈ 1; an all-ignored batch gives 0. UniMatch's unlabeled losses ignore
 * low-confidence pixels through a separate mask: set those labels to the ignore index.
 *
 * <p>{@link Mode#MMSEG_V1}: mmsegmentation 1.0.x's {@code DiceLoss} (smooth/exponent form,
 * {@code mmseg/models/losses/dice_loss.py}; reference-methods.md §1.3, §2.3), kept for comparing
 * numbers with that version. Labels are clamped to [0, K−1] before the one-hot, so the ignore label
 * 255 becomes class K−1; the valid mask (label ≠ ignore index) enters the numerator only. Per image
 * n and class c, sums over that image's pixels:
 *
 * <pre>
 *   l_nc = 1 − (2 Σ p_c·y_c·valid + s) / (Σ p_c^e + Σ y_c^e + s)
 *   loss = Σ_{c ≠ ignore index} mean_n(l_nc) / K
 * </pre>
 *
 * (the divisor stays K even when the ignore index is a class id and that class is skipped). Defaults
 * in this mode: s = 1, e = 2. Ignored pixels therefore inflate every class's denominator through
 * p^e and class K−1's through y, and an all-ignored batch gives a positive loss, as in mmseg 1.0.
 * Background cannot be excluded in this mode (mmseg has no such option).
 *
 * <p>Per-pixel weights w (e.g. an OHEM mask), in both modes, multiply p and y at each pixel:
 * Σ p·y becomes Σ w²·p·y and Σ p^e + Σ y^e becomes Σ w^e·(p^e + y^e); a 0/1 mask thus drops
 * pixels. mmseg 1.0's DiceLoss silently drops the decode head's per-pixel weights: pass null to
 * reproduce it under OHEM.
 *
 * <p>Worked example: one image of 1 × 2 pixels, 2 classes.
 *
 * <pre>{@code
 * // pixel 0: logits (0, 0)    → p = (0.5, 0.5),   label 0
 * // pixel 1: logits (0, ln 3) → p = (0.25, 0.75), label 1
 * Operand<TFloat32> logits = tf.constant(new float[][][][] {{{{0f, 0f}, {0f, (float) Math.log(3)}}}});
 * Operand<TInt32> labels = tf.constant(new int[][][] {{{0, 1}}});
 * Operand<TFloat32> loss = DiceLoss.builder().build().apply(tf, logits, labels);
 * // class 0: (2·0.5 + s) / (0.25 + 0.0625 + 1 + s)  ≈ 0.7619
 * // class 1: (2·0.75 + s) / (0.25 + 0.5625 + 1 + s) ≈ 0.8276
 * // loss = 1 − (0.7619 + 0.8276) / 2                ≈ 0.2053
 *
 * // MMSEG_V1 with labels {0, 255}: pixel 1 counts as class 1 in the denominators only (s = 1)
 * // class 0: 1 − (2·0.5 + 1) / (0.25 + 0.0625 + 1 + 1)     = 1 − 2 / 2.3125 ≈ 0.1351
 * // class 1: 1 − (0 + 1) / (0.25 + 0.5625 + 0 + 1 + 1)     = 1 − 1 / 2.8125 ≈ 0.6444
 * // loss = (0.1351 + 0.6444) / 2                            ≈ 0.3898
 * }</pre>
 */
public final class DiceLoss implements LossTerm {
  /** UniMatch's smoothing constant. */
  public static final float DEFAULT_SMOOTH = 1e-5f;
  /** mmseg 1.0's smoothing constant, the default in {@link Mode#MMSEG_V1}. */
  public static final float MMSEG_V1_SMOOTH = 1f;
  /** Squared terms in the denominator (V-Net). */
  public static final float DEFAULT_EXPONENT = 2f;

  /** Which published form of the loss to compute. */
  public enum Mode {
    /** Batch-pooled, class-averaged soft Dice over non-ignored pixels (UniMatch); the default. */
    CLASS_AVERAGED,
    /** mmsegmentation 1.0.x: per image, 255 clamped to class K−1, valid mask in the numerator only. */
    MMSEG_V1
  }

  private final Mode mode;
  private final float smooth;
  private final float exponent;
  private final boolean includeBackground;
  private final int ignoreIndex;

  private DiceLoss(Builder b) {
    this.mode = b.mode;
    this.smooth = b.smooth != null ? b.smooth
        : b.mode == Mode.MMSEG_V1 ? MMSEG_V1_SMOOTH : DEFAULT_SMOOTH;
    this.exponent = b.exponent;
    this.includeBackground = b.includeBackground;
    this.ignoreIndex = b.ignoreIndex;
  }

  /**
   * A builder with UniMatch's settings: class-averaged mode, smooth 1e-5, exponent 2, background
   * included, ignore 255.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The scalar loss.
   *
   * @param logits [N, H, W, K] or [N, D, H, W, K], K static
   * @param labels [N, H, W] or [N, D, H, W] class ids, the ignore index for ignored pixels
   * @param pixelWeights the labels' shape, or null for none
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   * @throws org.delineo.graph.DelineoException if background is excluded and K = 1
   */
  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights) {
    int k = PixelLabels.classes("dice", logits, labels, pixelWeights);
    return mode == Mode.MMSEG_V1
        ? mmsegV1(tf, logits, labels, pixelWeights, k)
        : classAveraged(tf, logits, labels, pixelWeights, k);
  }

  private Operand<TFloat32> classAveraged(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights, int k) {
    int first = includeBackground ? 0 : 1;
    PixelLabels.require(first < k,
        "dice: excluding the background needs at least 2 classes, found " + k);
    // m multiplies p and y at each pixel: the valid mask, times the pixel weights if any.
    Operand<TFloat32> m = PixelLabels.validMask(tf, labels, ignoreIndex);
    if (pixelWeights != null) {
      m = tf.math.mul(m, pixelWeights);
    }
    Operand<TFloat32> probs = tf.nn.softmax(logits);
    Operand<TFloat32> targets = PixelLabels.oneHot(tf, labels, k);
    Operand<TFloat32> mm = tf.expandDims(tf.math.mul(m, m), tf.constant(-1));
    // (m·p)^e = m^e·p^e, and m^e = m for a 0/1 mask; the power of p alone keeps Pow's gradient
    // finite where m = 0.
    Operand<TFloat32> me = tf.expandDims(pixelWeights == null ? m : power(tf, m), tf.constant(-1));

    Operand<TFloat32> intersect =
        PixelLabels.sumPerClass(tf, tf.math.mul(tf.math.mul(probs, targets), mm), k);
    Operand<TFloat32> predSum = PixelLabels.sumPerClass(tf, tf.math.mul(power(tf, probs), me), k);
    // Targets are 0 or 1, so y^e = y for every positive exponent.
    Operand<TFloat32> targetSum = PixelLabels.sumPerClass(tf, tf.math.mul(targets, me), k);
    Operand<TFloat32> s = tf.constant(smooth);
    Operand<TFloat32> dice = tf.math.div(
        tf.math.add(tf.math.mul(tf.constant(2f), intersect), s),
        tf.math.add(tf.math.add(predSum, targetSum), s));
    Operand<TFloat32> kept = first == 0 ? dice
        : tf.slice(dice, tf.constant(new int[] {first}), tf.constant(new int[] {k - first}));
    return tf.math.sub(tf.constant(1f), tf.math.mean(kept, tf.constant(0)));
  }

  private Operand<TFloat32> mmsegV1(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights, int k) {
    // [N, pixels, K] and [N, pixels, 1]: every sum below runs per image, over its pixels.
    Operand<TInt32> batch =
        tf.slice(tf.shape(logits), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TInt32> perImage =
        tf.concat(List.of(batch, tf.constant(new int[] {-1, k})), tf.constant(0));
    Operand<TInt32> perImageColumn =
        tf.concat(List.of(batch, tf.constant(new int[] {-1, 1})), tf.constant(0));
    Operand<TInt32> clamped = tf.math.minimum(
        tf.math.maximum(labels, tf.constant(0)), tf.constant(k - 1));
    Operand<TFloat32> probs = tf.reshape(tf.nn.softmax(logits), perImage);
    Operand<TFloat32> targets = tf.reshape(PixelLabels.oneHot(tf, clamped, k), perImage);
    Operand<TFloat32> valid = PixelLabels.validMask(tf, labels, ignoreIndex);
    Operand<TFloat32> numeratorMask = valid;
    Operand<TFloat32> denominatorMask = null;
    if (pixelWeights != null) {
      numeratorMask = tf.math.mul(valid, tf.math.mul(pixelWeights, pixelWeights));
      denominatorMask = power(tf, pixelWeights);
    }
    Operand<TFloat32> intersect = tf.reduceSum(
        tf.math.mul(tf.math.mul(probs, targets), tf.reshape(numeratorMask, perImageColumn)),
        tf.constant(1));
    // Targets are 0 or 1 (the clamp leaves no all-zero row), so y^e = y.
    Operand<TFloat32> both = tf.math.add(power(tf, probs), targets);
    if (denominatorMask != null) {
      both = tf.math.mul(both, tf.reshape(denominatorMask, perImageColumn));
    }
    Operand<TFloat32> s = tf.constant(smooth);
    Operand<TFloat32> perImageClass = tf.math.sub(tf.constant(1f), tf.math.div(
        tf.math.add(tf.math.mul(tf.constant(2f), intersect), s),
        tf.math.add(tf.reduceSum(both, tf.constant(1)), s)));
    Operand<TFloat32> perClass = tf.math.mean(perImageClass, tf.constant(0));
    float[] kept = new float[k];
    for (int c = 0; c < k; c++) {
      kept[c] = c == ignoreIndex ? 0f : 1f;
    }
    return tf.math.div(tf.reduceSum(tf.math.mul(perClass, tf.constant(kept)), tf.constant(0)),
        tf.constant((float) k));
  }

  private Operand<TFloat32> power(Ops tf, Operand<TFloat32> p) {
    if (exponent == 1f) {
      return p;
    }
    if (exponent == 2f) {
      return tf.math.square(p);
    }
    return tf.math.pow(p, tf.constant(exponent));
  }

  /** The form in use. */
  public Mode mode() {
    return mode;
  }

  /** Readable construction of a {@link DiceLoss}; every setting has a default. */
  public static final class Builder {
    private Mode mode = Mode.CLASS_AVERAGED;
    private Float smooth;
    private float exponent = DEFAULT_EXPONENT;
    private boolean includeBackground = true;
    private int ignoreIndex = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;

    private Builder() {}

    /** CLASS_AVERAGED (default) or MMSEG_V1; see the class comment. */
    public Builder mode(Mode value) {
      PixelLabels.require(value != null, "dice mode: expected CLASS_AVERAGED or MMSEG_V1, found null");
      this.mode = value;
      return this;
    }

    /**
     * Added to numerator and denominator; positive. Default 1e-5 in CLASS_AVERAGED mode, 1 in
     * MMSEG_V1 mode (each reference's default).
     */
    public Builder smooth(float value) {
      this.smooth = value;
      return this;
    }

    /** Exponent of the probabilities in the denominator (default 2); positive. */
    public Builder exponent(float value) {
      this.exponent = value;
      return this;
    }

    /** Whether class 0 takes part in the class average (default true; CLASS_AVERAGED mode only). */
    public Builder includeBackground(boolean value) {
      this.includeBackground = value;
      return this;
    }

    /** Label whose pixels are excluded (default 255). */
    public Builder ignoreIndex(int value) {
      this.ignoreIndex = value;
      return this;
    }

    /** @throws org.delineo.graph.DelineoException on an invalid setting, naming it */
    public DiceLoss build() {
      PixelLabels.require(smooth == null || (smooth > 0f && Float.isFinite(smooth)),
          "dice smooth must be positive and finite, found " + smooth);
      PixelLabels.require(exponent > 0f && Float.isFinite(exponent),
          "dice exponent must be positive and finite, found " + exponent);
      PixelLabels.require(includeBackground || mode != Mode.MMSEG_V1,
          "dice: includeBackground(false) is not an option of mode MMSEG_V1 (mmseg 1.0 averages"
              + " over all K classes); use CLASS_AVERAGED");
      return new DiceLoss(this);
    }
  }
}
