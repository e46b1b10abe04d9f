package org.delineo.losses;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.nn.TopK;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Multi-class Lovász-softmax loss (Berman et al. 2018) on channels-last logits with
 * mmsegmentation's {@code LovaszLoss(loss_type='multi_class')} semantics
 * ({@code mmseg/models/losses/lovasz_loss.py}; reference-methods.md §2.3). A differentiable
 * surrogate of 1 − IoU per class.
 *
 * <p>p = softmax(logits). Pixels whose label is the ignore index are dropped. For every class c,
 * over the remaining pixels: fg = 1[label = c], errors m = |fg − p_c| sorted in descending order,
 * g = the Lovász gradient of the Jaccard loss at the sorted fg (J_i = 1 − I_i / U_i with
 * I_i = Σfg − Σ_{j≤i} fg_j, U_i = Σfg + Σ_{j≤i} (1 − fg_j); g_i = J_i − J_{i−1}, J_{−1} = 0), and
 *
 * <pre>
 *   loss_c = Σ_i m_i · g_i   (× class weight w_c when set)
 * </pre>
 *
 * {@link Classes#ALL} averages loss_c over every class, also classes absent from the labels: for
 * those g = (1, 0, 0, …), so the term is the largest predicted probability of c (mmseg and PROVE's
 * setting). {@link Classes#PRESENT} averages over the classes that occur among the kept pixels.
 * Class weights scale the terms, not the divisor. With {@code perImage} (PROVE's setting) this is
 * done per image and the per-image values are averaged over the batch (mmseg's reduction 'mean');
 * otherwise all pixels of the batch form one set. A set with no kept pixel gives 0 (mmseg's
 * {@code probs * 0.}; such an image still counts in the mean over images, as in Berman's code),
 * never NaN. Where mmseg breaks (an all-ignored image crashes its stacking; one valid pixel hits a
 * {@code squeeze()} quirk), this computes the formula above.
 *
 * <p>Per-pixel weights: mmseg's LovaszLoss accepts and silently ignores them. Here a pixel whose
 * weight is ≤ 0 is dropped like an ignored pixel (so an OHEM mask selects the pixels the loss
 * sees); positive weights do not scale anything, because the Lovász extension is a set function,
 * not a sum over pixels.
 *
 * <p>Graph form, with static shapes only: each set's errors are sorted with
 * {@code TopK(m, k = pixel count).indices} and a flat GatherV2 (no TopK gradient needed; integer
 * indices carry none). Dropped pixels get m = −1, fg = 0 so they sort after every kept pixel
 * (kept errors lie in [0, 1]); the Jaccard prefix sums over the kept pixels are then exactly those
 * of the set without them. Behind the last kept pixel I = 0, so J = 1 and g = 0 already; the
 * terms of dropped pixels are still multiplied by 0 because a set with no kept pixel has g_0 = 1
 * on a dropped pixel. So the result equals dropping them. Ties between errors may be broken in any
 * order: the Lovász extension does not depend on it.
 *
 * <p>Worked example: one image of 1 × 2 pixels, 2 classes, defaults (per image, all classes).
 *
 * <pre>{@code
 * // pixel 0: logits (0, 0)    → p = (0.5, 0.5),   label 0
 * // pixel 1: logits (0, ln 3) → p = (0.25, 0.75), label 1
 * Operand<TFloat32> logits = tf.constant(new float[][][][] {{{{0f, 0f}, {0f, (float) Math.log(3)}}}});
 * Operand<TInt32> labels = tf.constant(new int[][][] {{{0, 1}}});
 * Operand<TFloat32> loss = LovaszSoftmaxLoss.builder().build().apply(tf, logits, labels);
 * // class 0: fg (1, 0), m (0.5, 0.25) already sorted; I (0, 0), U (1, 2), J (1, 1), g (1, 0)     → 0.5
 * // class 1: fg (0, 1), m (0.5, 0.25);               I (1, 0), U (2, 2), J (0.5, 1), g (0.5, 0.5) → 0.375
 * // loss = (0.5 + 0.375) / 2 = 0.4375
 * }</pre>
 */
public final class LovaszSoftmaxLoss implements LossTerm {

  /** Which classes the per-class terms are averaged over. */
  public enum Classes {
    /** Every class, also those absent from the labels (mmseg {@code classes='all'}). */
    ALL,
    /** Only classes that occur among the kept pixels (mmseg {@code classes='present'}). */
    PRESENT
  }

  private final boolean perImage;
  private final Classes classes;
  private final float[] classWeights;
  private final int ignoreIndex;

  private LovaszSoftmaxLoss(Builder b) {
    this.perImage = b.perImage;
    this.classes = b.classes;
    this.classWeights = b.classWeights == null ? null : b.classWeights.clone();
    this.ignoreIndex = b.ignoreIndex;
  }

  /** A builder with PROVE's settings: per image, all classes, no class weights, ignore 255. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The scalar loss; pixels with a weight ≤ 0 are dropped like ignored ones (see class comment).
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
    int k = PixelLabels.classes("lovasz", logits, labels, pixelWeights);
    PixelLabels.require(classWeights == null || classWeights.length == k,
        "lovasz class weights: expected " + k + " values (one per class), found "
            + (classWeights == null ? 0 : classWeights.length) + " " + Arrays.toString(classWeights));
    Operand<TFloat32> kept = PixelLabels.validMask(tf, labels, ignoreIndex);
    if (pixelWeights != null) {
      kept = tf.math.mul(kept,
          tf.dtypes.cast(tf.math.greater(pixelWeights, tf.constant(0f)), TFloat32.class));
    }
    // Sets of pixels: one per image, or one for the whole batch. Layout [sets, K, pixels] so that
    // TopK sorts each (set, class) row along the last axis.
    Operand<TInt32> sets = perImage
        ? tf.stridedSlice(tf.shape(logits), Indices.sliceTo(1))
        : tf.constant(new int[] {1});
    Operand<TFloat32> probs = toSetClassPixel(tf,
        tf.nn.softmax(tf.reshape(logits, shapeOf(tf, sets, -1, k))));
    Operand<TFloat32> fg = toSetClassPixel(tf, tf.reshape(tf.math.mul(
        PixelLabels.oneHot(tf, labels, k), tf.expandDims(kept, tf.constant(-1))),
        shapeOf(tf, sets, -1, k)));
    Operand<TFloat32> keep = tf.reshape(kept, shapeOf(tf, sets, 1, -1)); // [S, 1, P]

    // m at kept pixels, −1 at dropped ones (the masked path has no gradient).
    Operand<TFloat32> errors = tf.math.add(
        tf.math.mul(keep, tf.math.abs(tf.math.sub(fg, probs))),
        tf.math.sub(keep, tf.constant(1f)));
    Operand<TInt32> dims = tf.shape(errors);
    Operand<TInt32> order = sortedOrder(tf, errors, dims, k);
    Operand<TFloat32> errorsSorted = gatherRows(tf, errors, order);
    Operand<TFloat32> fgSorted = gatherRows(tf, fg, order);
    Operand<TFloat32> keepSorted = gatherRows(tf, tf.broadcastTo(keep, dims), order);

    Operand<TFloat32> foreground = tf.reduceSum(fgSorted, tf.constant(2), ReduceSum.keepDims(true));
    Operand<TFloat32> perClass = tf.reduceSum(
        tf.math.mul(tf.math.mul(errorsSorted, lovaszGradient(tf, fgSorted, foreground)), keepSorted),
        tf.constant(2)); // [S, K]
    if (classWeights != null) {
      perClass = tf.math.mul(perClass, tf.constant(classWeights));
    }
    Operand<TFloat32> perSet;
    if (classes == Classes.ALL) {
      perSet = tf.math.mean(perClass, tf.constant(1));
    } else {
      Operand<TFloat32> present = tf.dtypes.cast(tf.math.greater(
          tf.reshape(foreground, tf.shape(perClass)), tf.constant(0f)), TFloat32.class);
      // max(count, 1): a set without any present class (all pixels dropped) gives 0 / 1 = 0.
      perSet = tf.math.div(
          tf.reduceSum(tf.math.mul(perClass, present), tf.constant(1)),
          tf.math.maximum(tf.reduceSum(present, tf.constant(1)), tf.constant(1f)));
    }
    return tf.math.mean(perSet, tf.constant(0));
  }

  /** [sets, a, b] as a shape operand, the leading count taken from {@code sets} ([1]). */
  private static Operand<TInt32> shapeOf(Ops tf, Operand<TInt32> sets, int a, int b) {
    return tf.concat(List.of(sets, tf.constant(new int[] {a, b})), tf.constant(0));
  }

  /** [S, P, K] → [S, K, P]. */
  private static Operand<TFloat32> toSetClassPixel(Ops tf, Operand<TFloat32> x) {
    return tf.linalg.transpose(x, tf.constant(new int[] {0, 2, 1}));
  }

  /**
   * Flat indices (into the [S·K·P] flattening) of each row's elements in descending order of
   * {@code errors}. Only TopK's integer output is used, so no TopK gradient is needed.
   */
  private static Operand<TInt32> sortedOrder(Ops tf, Operand<TFloat32> errors, Operand<TInt32> dims,
      int k) {
    Operand<TInt32> pixels = tf.stridedSlice(dims, Indices.at(2));
    Operand<TInt32> withinRow = tf.nn.topK(errors, pixels, TInt32.class, TopK.sorted(true)).indices();
    Operand<TInt32> rows = tf.math.mul(tf.stridedSlice(dims, Indices.at(0)), tf.constant(k));
    Operand<TInt32> rowStart = tf.math.mul(
        tf.reshape(tf.range(tf.constant(0), rows, tf.constant(1)), tf.constant(new int[] {-1, k, 1})),
        pixels);
    return tf.math.add(withinRow, rowStart);
  }

  /** {@code x} [S, K, P] rearranged by flat indices {@code order} of the same shape. */
  private static Operand<TFloat32> gatherRows(Ops tf, Operand<TFloat32> x, Operand<TInt32> order) {
    return tf.gather(tf.reshape(x, tf.constant(new int[] {-1})), order, tf.constant(0));
  }

  /**
   * Berman's Alg. 1 on sorted foreground indicators [S, K, P]: J_i = 1 − I_i / U_i, g_i = J_i −
   * J_{i−1}. U_i ≥ 1 always (U_0 = Σfg when fg_0 = 1, else ≥ 1), so no division by zero, also for
   * absent classes and for sets whose pixels were all dropped.
   */
  private static Operand<TFloat32> lovaszGradient(Ops tf, Operand<TFloat32> fgSorted,
      Operand<TFloat32> foreground) {
    Operand<TInt32> axis = tf.constant(2);
    Operand<TFloat32> intersection = tf.math.sub(foreground, tf.math.cumsum(fgSorted, axis));
    Operand<TFloat32> union = tf.math.add(foreground,
        tf.math.cumsum(tf.math.sub(tf.constant(1f), fgSorted), axis));
    Operand<TFloat32> jaccard = tf.math.sub(tf.constant(1f), tf.math.div(intersection, union));
    Operand<TFloat32> previous = tf.stridedSlice(
        tf.pad(jaccard, tf.constant(new int[][] {{0, 0}, {0, 0}, {1, 0}}), tf.constant(0f)),
        Indices.all(), Indices.all(), Indices.sliceTo(-1));
    return tf.math.sub(jaccard, previous);
  }

  /** The label excluded from the loss. */
  public int ignoreIndex() {
    return ignoreIndex;
  }

  /** Readable construction of a {@link LovaszSoftmaxLoss}; every setting has a default. */
  public static final class Builder {
    private boolean perImage = true;
    private Classes classes = Classes.ALL;
    private float[] classWeights;
    private int ignoreIndex = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;

    private Builder() {}

    /** True (default, PROVE): one loss per image, averaged; false: the batch as one pixel set. */
    public Builder perImage(boolean value) {
      this.perImage = value;
      return this;
    }

    /** Classes averaged over (default {@link Classes#ALL}, PROVE); not null. */
    public Builder classes(Classes value) {
      this.classes = value;
      return this;
    }

    /** One finite, non-negative weight per class multiplying its term; null or empty for none. */
    public Builder classWeights(float... values) {
      this.classWeights = values == null || values.length == 0 ? null : values.clone();
      return this;
    }

    /** Label whose pixels are dropped (default 255). */
    public Builder ignoreIndex(int value) {
      this.ignoreIndex = value;
      return this;
    }

    /** @throws org.delineo.graph.DelineoException on an invalid setting, naming it */
    public LovaszSoftmaxLoss build() {
      PixelLabels.require(classes != null, "lovasz classes must be ALL or PRESENT, found null");
      if (classWeights != null) {
        for (float w : classWeights) {
          PixelLabels.require(Float.isFinite(w) && w >= 0f,
              "lovasz class weights must be finite and non-negative, found "
                  + Arrays.toString(classWeights));
        }
      }
      return new LovaszSoftmaxLoss(this);
    }
  }
}
