package org.delineo.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Online hard example mining over pixels with mmsegmentation's {@code OHEMPixelSampler} semantics
 * (reference-methods.md §2.3, decision PV-5): turns logits and labels into 0/1 per-pixel weights
 * for a head's losses. The weights carry no gradient (the logits pass through StopGradient).
 *
 * <p>With batch_kept = minKept × N (N images) and valid = label ≠ ignore index:
 *
 * <ul>
 *   <li><b>thresh set</b> (default 0.7): q = softmax probability of the ground-truth class; sort the
 *       valid q ascending; threshold = max(sorted[min(batch_kept, n_valid − 1)], thresh) (just
 *       thresh when no pixel is valid); weight 1 for valid pixels with q &lt; threshold. So every
 *       pixel below thresh is kept, and more (up to the (batch_kept + 1)-th least confident) when
 *       fewer than batch_kept would be; ties at the threshold are dropped, as in mmseg.
 *   <li><b>thresh null</b>: weight 1 for the batch_kept valid pixels with the largest per-pixel
 *       cross-entropy (all valid pixels if there are fewer); ties broken by position.
 * </ul>
 *
 * Ignored pixels always get 0. Pass the weights to a term: {@code CrossEntropyLoss.apply(tf,
 * logits, labels, weights)} is mmseg's OHEM cross-entropy, whose divisor stays the count of all
 * non-ignored pixels, not the kept count.
 *
 * <p>mmseg ranks by the sum of the head's losses when thresh is null; here the ranking loss is a
 * {@link CrossEntropyLoss} (default: plain, with this sampler's ignore index).
 *
 * <p>Worked example: one image of 1 × 4 pixels, labels {0, 0, 0, 255}, ground-truth probabilities
 * q = {0.9, 0.6, 0.8, –}, thresh 0.7. With minKept = 2 (batch_kept 2): sorted valid q = {0.6, 0.8,
 * 0.9}, sorted[min(2, 2)] = 0.9 &gt; 0.7, so threshold 0.9 and the weights are {0, 1, 1, 0}. With
 * minKept = 100000: sorted[2] = 0.9 again, same weights; with a larger thresh 0.95: {1, 1, 1, 0}.
 *
 * <pre>{@code
 * OhemPixelSampler ohem = OhemPixelSampler.builder().thresh(0.7f).minKept(100000).build();
 * Operand<TFloat32> w = ohem.weights(tf, logits, labels);
 * Operand<TFloat32> loss = CrossEntropyLoss.builder().build().apply(tf, logits, labels, w);
 * }</pre>
 */
public final class OhemPixelSampler {
  /** PROVE's suggested probability threshold (mmseg's default is null). */
  public static final float DEFAULT_THRESH = 0.7f;
  /** mmseg's and PROVE's minimum number of kept pixels per image. */
  public static final int DEFAULT_MIN_KEPT = 100_000;

  private final Float thresh;
  private final int minKept;
  private final int ignoreIndex;
  private final CrossEntropyLoss rankingLoss;

  private OhemPixelSampler(Builder b) {
    this.thresh = b.thresh;
    this.minKept = b.minKept;
    this.ignoreIndex = b.ignoreIndex;
    this.rankingLoss = b.rankingLoss != null ? b.rankingLoss
        : CrossEntropyLoss.builder().ignoreIndex(b.ignoreIndex).build();
  }

  /** A builder with thresh 0.7, minKept 100000, ignore 255. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The 0/1 weights, the labels' shape, without gradient.
   *
   * @param logits [N, H, W, K] or [N, D, H, W, K], K static
   * @param labels [N, H, W] or [N, D, H, W] class ids, the ignore index for ignored pixels
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   */
  public Operand<TFloat32> weights(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels) {
    int k = PixelLabels.classes("OHEM sampler", logits, labels, null);
    Operand<TFloat32> z = tf.stopGradient(logits);
    Operand<TFloat32> valid = PixelLabels.validMask(tf, labels, ignoreIndex);
    Operand<TInt64> pixels = tf.size(labels, TInt64.class);
    Operand<TInt64> batchKept = tf.math.mul(
        tf.gather(tf.shape(labels, TInt64.class), tf.constant(0), tf.constant(0)),
        tf.constant((long) minKept));
    Operand<TFloat32> kept = thresh == null
        ? hardestLosses(tf, z, labels, valid, pixels, batchKept)
        : leastConfident(tf, z, labels, valid, k, pixels, batchKept);
    return tf.stopGradient(kept);
  }

  private Operand<TFloat32> leastConfident(Ops tf, Operand<TFloat32> z, Operand<TInt32> labels,
      Operand<TFloat32> valid, int k, Operand<TInt64> pixels, Operand<TInt64> batchKept) {
    // Softmax is safe at any rank (only LogSoftmax's gradient is not, and none is needed here).
    Operand<TFloat32> q = tf.reduceSum(
        tf.math.mul(tf.nn.softmax(z), PixelLabels.oneHot(tf, labels, k)), tf.constant(-1));
    Operand<TFloat32> qFlat = flat(tf, q);
    Operand<TFloat32> validFlat = flat(tf, valid);
    // Ascending q = descending −q; ignored pixels get key −2 < −1 ≤ −q, so they sort last.
    Operand<TFloat32> key = tf.math.sub(
        tf.math.neg(tf.math.mul(qFlat, validFlat)),
        tf.math.mul(tf.math.sub(tf.constant(1f), validFlat), tf.constant(2f)));
    Operand<TInt64> nValid = tf.dtypes.cast(PixelLabels.sumAll(tf, valid), TInt64.class);
    // Position of mmseg's min_threshold in the ascending order; −1 when nothing is valid.
    Operand<TInt64> position = tf.math.minimum(batchKept, tf.math.sub(nValid, tf.constant(1L)));
    Operand<TInt64> topCount =
        tf.math.minimum(tf.math.add(batchKept, tf.constant(1L)), pixels);
    // Only TopK's indices are used (its values output has no gradient in TF Java).
    Operand<TInt32> order = tf.nn.topK(key, tf.dtypes.cast(topCount, TInt32.class), TInt32.class).indices();
    Operand<TInt32> at = tf.dtypes.cast(tf.math.maximum(position, tf.constant(0L)), TInt32.class);
    Operand<TFloat32> kth = tf.gather(qFlat, tf.gather(order, at, tf.constant(0)), tf.constant(0));
    // No valid pixel: mmseg's min_threshold is 0, so the threshold is thresh (nothing is kept anyway).
    Operand<TFloat32> minThreshold = tf.select(
        tf.math.greater(nValid, tf.constant(0L)), kth, tf.constant(0f));
    Operand<TFloat32> threshold = tf.math.maximum(minThreshold, tf.constant(thresh));
    Operand<TFloat32> below = tf.dtypes.cast(tf.math.less(q, threshold), TFloat32.class);
    return tf.math.mul(below, valid);
  }

  private Operand<TFloat32> hardestLosses(Ops tf, Operand<TFloat32> z, Operand<TInt32> labels,
      Operand<TFloat32> valid, Operand<TInt64> pixels, Operand<TInt64> batchKept) {
    Operand<TFloat32> lossFlat = flat(tf, rankingLoss.pixelLosses(tf, z, labels, null));
    Operand<TFloat32> validFlat = flat(tf, valid);
    // Cross-entropy is ≥ 0, so ignored pixels at −1 sort after every valid one.
    Operand<TFloat32> key = tf.math.sub(
        tf.math.mul(lossFlat, validFlat), tf.math.sub(tf.constant(1f), validFlat));
    Operand<TInt32> topCount = tf.dtypes.cast(tf.math.minimum(batchKept, pixels), TInt32.class);
    Operand<TInt32> order = tf.nn.topK(key, topCount, TInt32.class).indices();
    Operand<TFloat32> ones = tf.onesLike(tf.dtypes.cast(order, TFloat32.class));
    Operand<TFloat32> chosen = tf.scatterNd(tf.expandDims(order, tf.constant(-1)), ones,
        tf.reshape(tf.dtypes.cast(pixels, TInt32.class), tf.constant(new int[] {1})));
    // When fewer than batch_kept pixels are valid, TopK also picks ignored ones: mask them out.
    return tf.math.mul(tf.reshape(chosen, tf.shape(labels)), valid);
  }

  private static Operand<TFloat32> flat(Ops tf, Operand<TFloat32> x) {
    return tf.reshape(x, tf.constant(new long[] {-1}));
  }

  /** The probability threshold, or null when ranking by loss. */
  public Float thresh() {
    return thresh;
  }

  /** Pixels kept per image at least. */
  public int minKept() {
    return minKept;
  }

  /** Readable construction of an {@link OhemPixelSampler}; every setting has a default. */
  public static final class Builder {
    private Float thresh = DEFAULT_THRESH;
    private int minKept = DEFAULT_MIN_KEPT;
    private int ignoreIndex = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;
    private CrossEntropyLoss rankingLoss;

    private Builder() {}

    /**
     * Keep valid pixels whose ground-truth probability is below this value in [0, 1] (default
     * 0.7); null keeps the batch_kept pixels of largest loss instead.
     */
    public Builder thresh(Float value) {
      this.thresh = value;
      return this;
    }

    /** Minimum kept pixels per image, &gt; 1 as mmseg asserts (default 100000). */
    public Builder minKept(int value) {
      this.minKept = value;
      return this;
    }

    /** Label whose pixels are never kept (default 255). */
    public Builder ignoreIndex(int value) {
      this.ignoreIndex = value;
      return this;
    }

    /**
     * The per-pixel loss that ranks pixels when thresh is null (default: plain cross-entropy with
     * this sampler's ignore index).
     */
    public Builder rankingLoss(CrossEntropyLoss value) {
      this.rankingLoss = value;
      return this;
    }

    /** @throws org.delineo.graph.DelineoException on an invalid setting, naming it */
    public OhemPixelSampler build() {
      PixelLabels.require(thresh == null || (thresh >= 0f && thresh <= 1f),
          "OHEM thresh must lie in [0, 1] or be null, found " + thresh);
      PixelLabels.require(minKept > 1, "OHEM minKept must be greater than 1, found " + minKept);
      return new OhemPixelSampler(this);
    }
  }
}
