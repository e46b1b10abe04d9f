package org.delineo.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Class-averaged soft Dice loss on channels-last logits, in UniMatch's form
 * ({@code more-scenarios/medical/util/utils.py DiceLoss} with {@code softmax=True}; reference-methods.md
 * §5.2).
 *
 * <p>p = softmax(logits), y = onehot(labels); sums run over the whole batch (every image and pixel
 * pooled) restricted to pixels whose label is not the ignore index. Per class c, with exponent e
 * and smoothing s:
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
 * }</pre>
 */
public final class DiceLoss {
  /** UniMatch's smoothing constant. */
  public static final float DEFAULT_SMOOTH = 1e-5f;
  /** Squared terms in the denominator (V-Net). */
  public static final float DEFAULT_EXPONENT = 2f;

  private final float smooth;
  private final float exponent;
  private final boolean includeBackground;
  private final int ignoreIndex;

  private DiceLoss(Builder b) {
    this.smooth = b.smooth;
    this.exponent = b.exponent;
    this.includeBackground = b.includeBackground;
    this.ignoreIndex = b.ignoreIndex;
  }

  /** A builder with UniMatch's settings: smooth 1e-5, exponent 2, background included, ignore 255. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The scalar loss.
   *
   * @param logits [N, H, W, K] or [N, D, H, W, K], K static
   * @param labels [N, H, W] or [N, D, H, W] class ids, the ignore index for ignored pixels
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   * @throws org.delineo.graph.DelineoException if background is excluded and K = 1
   */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels) {
    int k = PixelLabels.classes("dice", logits, labels, null);
    int first = includeBackground ? 0 : 1;
    PixelLabels.require(first < k,
        "dice: excluding the background needs at least 2 classes, found " + k);
    Operand<TFloat32> valid = tf.expandDims(PixelLabels.validMask(tf, labels, ignoreIndex), tf.constant(-1));
    Operand<TFloat32> probs = tf.math.mul(tf.nn.softmax(logits), valid);
    Operand<TFloat32> targets = tf.math.mul(PixelLabels.oneHot(tf, labels, k), valid);

    Operand<TFloat32> intersect = PixelLabels.sumPerClass(tf, tf.math.mul(probs, targets), k);
    Operand<TFloat32> predSum = PixelLabels.sumPerClass(tf, power(tf, probs), k);
    // Targets are 0 or 1, so y^e = y for every positive exponent.
    Operand<TFloat32> targetSum = PixelLabels.sumPerClass(tf, targets, k);
    Operand<TFloat32> s = tf.constant(smooth);
    Operand<TFloat32> dice = tf.math.div(
        tf.math.add(tf.math.mul(tf.constant(2f), intersect), s),
        tf.math.add(tf.math.add(predSum, targetSum), s));
    Operand<TFloat32> kept = first == 0 ? dice
        : tf.slice(dice, tf.constant(new int[] {first}), tf.constant(new int[] {k - first}));
    return tf.math.sub(tf.constant(1f), tf.math.mean(kept, tf.constant(0)));
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

  /** Readable construction of a {@link DiceLoss}; every setting has a default. */
  public static final class Builder {
    private float smooth = DEFAULT_SMOOTH;
    private float exponent = DEFAULT_EXPONENT;
    private boolean includeBackground = true;
    private int ignoreIndex = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;

    private Builder() {}

    /** Added to numerator and denominator (default 1e-5); positive. */
    public Builder smooth(float value) {
      this.smooth = value;
      return this;
    }

    /** Exponent of the probabilities in the denominator (default 2); positive. */
    public Builder exponent(float value) {
      this.exponent = value;
      return this;
    }

    /** Whether class 0 takes part in the class average (default true). */
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
      PixelLabels.require(smooth > 0f && Float.isFinite(smooth),
          "dice smooth must be positive and finite, found " + smooth);
      PixelLabels.require(exponent > 0f && Float.isFinite(exponent),
          "dice exponent must be positive and finite, found " + exponent);
      return new DiceLoss(this);
    }
  }
}
