package org.delineo.losses;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Pooling;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Boundary loss: binary cross-entropy between a boundary map predicted from the class
 * probabilities and one derived from the labels, averaged over non-ignored pixels (PROVE's
 * {@code SegBoundaryLoss}, reference-methods.md §1.3, §2.3, §2.4 PV-7). Two modes:
 *
 * <ul>
 *   <li>{@link Mode#MORPH}, PROVE's code ({@code carhartt21/PROVE utils/custom_losses.py}):
 *       q = max_k softmax(z)_k; predicted b = clamp(maxpool3×3(q) − minpool3×3(q), 0, 1)
 *       (stride 1, padding 1 that never wins a window, min-pool = −maxpool(−q)); target t = 1 where
 *       the label differs from one of its 4 neighbours (replicate padding, so the image border is
 *       no boundary). A 255 neighbour differs from every class, so valid pixels next to an ignored
 *       region are boundary pixels, as in PROVE.
 *   <li>{@link Mode#SOBEL} (default), as PROVE's loss document describes it: b = Sobel edge
 *       strength of the probability maps, t = Sobel edge strength of the one-hot labels, both
 *       normalised to [0, 1] by {@link SobelEdges} (÷ 4√2, then clamped; a straight two-class label
 *       boundary gives t = 1 on both sides). Ignored pixels have an all-zero one-hot row, so here too
 *       their valid neighbours see an edge.
 * </ul>
 *
 * Then, over pixels whose label is not the ignore index, with optional per-pixel weights w:
 *
 * <pre>
 *   loss = Σ w · BCE(b, t) / (number of valid pixels),   BCE(b, t) = −t·ln b̂ − (1 − t)·ln(1 − b̂)
 * </pre>
 *
 * with b̂ = b clamped to [{@link #EPS}, 1 − {@link #EPS}], so saturated logits (b = 0 in a flat
 * region) give a finite loss and gradient. PyTorch's {@code binary_cross_entropy} instead clamps
 * the logarithm at −100; the two agree whenever ε ≤ b ≤ 1 − ε, and where b &lt; ε on a boundary
 * pixel PROVE counts 100 and this class −ln ε ≈ 16.1 (with a zero gradient where PyTorch's is
 * ~1e12). An all-ignored batch gives 0 (PROVE: {@code 0 · Σ b}). PROVE ignores mmseg's per-pixel
 * weights; here they multiply each pixel's term (the divisor stays the valid-pixel count, as for
 * {@link CrossEntropyLoss}), so pass null to reproduce PROVE exactly under OHEM. Pixels of the
 * ignore label still feed the max/min pools and Sobel windows of their neighbours, as in PROVE.
 * Only 2-D logits [N, H, W, K] are accepted.
 *
 * <p>Worked example: one image of 1 × 2 pixels, 2 classes.
 *
 * <pre>{@code
 * // pixel 0: logits (0, 0)    → p = (0.5, 0.5),   q = 0.5
 * // pixel 1: logits (ln 3, 0) → p = (0.75, 0.25), q = 0.75
 * Operand<TFloat32> logits = tf.constant(new float[][][][] {{{{0f, 0f}, {(float) Math.log(3), 0f}}}});
 * Operand<TFloat32> loss = BoundaryLoss.builder().mode(Mode.MORPH).build()
 *     .apply(tf, logits, tf.constant(new int[][][] {{{0, 1}}}));
 * // MORPH: each 3×3 window holds both pixels, b = 0.75 − 0.5 = 0.25 at both; labels differ, t = 1
 * //        loss = −ln 0.25 = ln 4 ≈ 1.3863
 * // SOBEL: the probability maps are steps of 0.25, magnitude √2·4·0.25 = √2, b = √2 / (4√2) = 0.25;
 * //        the one-hot maps are full steps, t = 1: again ln 4
 * // labels {0, 0}:   t = 0 in both modes, loss = −ln 0.75 ≈ 0.2877
 * // labels {0, 255}: pixel 1 ignored, the mean runs over pixel 0 only, which has a 255 neighbour:
 * //        MORPH t = 1, loss = ln 4; SOBEL one-hot rows (1, 0), (0, 0): t = 4 / (4√2) = 1/√2,
 * //        loss = (1/√2)·ln 4 + (1 − 1/√2)·(−ln 0.75) ≈ 1.0645
 * }</pre>
 */
public final class BoundaryLoss implements LossTerm {
  /** How the two boundary maps are computed. */
  public enum Mode {
    /** Sobel edge strength of probabilities vs. one-hot labels (PROVE's documentation). */
    SOBEL,
    /** Morphological gradient of the max-class probability vs. 4-neighbour label changes (PROVE's code). */
    MORPH
  }

  /** Probabilities are clamped to [EPS, 1 − EPS] inside the cross-entropy. */
  public static final float EPS = 1e-7f;

  private final Mode mode;
  private final int ignoreIndex;

  private BoundaryLoss(Builder b) {
    this.mode = b.mode;
    this.ignoreIndex = b.ignoreIndex;
  }

  /** A builder with defaults: SOBEL mode, ignore 255. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The scalar loss.
   *
   * @param logits [N, H, W, K], K static
   * @param labels [N, H, W] class ids, the ignore index for ignored pixels
   * @param pixelWeights [N, H, W] factors of each pixel's term, or null for none
   * @throws ShapeMismatchException on mismatched shapes or logits that are not rank 4
   */
  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights) {
    int k = PixelLabels.classes("boundary", logits, labels, pixelWeights);
    if (logits.shape().numDimensions() != 4) {
      throw new ShapeMismatchException(
          "boundary logits: expected rank 4 [N, H, W, K], found shape " + logits.shape());
    }
    Operand<TFloat32> probs = tf.nn.softmax(logits);
    Operand<TFloat32> predicted;
    Operand<TFloat32> target;
    if (mode == Mode.MORPH) {
      predicted = morphologicalGradient(tf, probs);
      target = labelChanges(tf, labels);
    } else {
      predicted = SobelEdges.of(tf, probs, k);
      target = SobelEdges.of(tf, PixelLabels.oneHot(tf, labels, k), k);
    }
    Operand<TFloat32> valid = PixelLabels.validMask(tf, labels, ignoreIndex);
    Operand<TFloat32> perPixel = tf.math.mul(binaryCrossEntropy(tf, predicted, target), valid);
    if (pixelWeights != null) {
      perPixel = tf.math.mul(perPixel, pixelWeights);
    }
    // max(count, 1): an all-ignored batch sums to 0 and so gives 0, not 0/0.
    Operand<TFloat32> count =
        tf.math.maximum(PixelLabels.sumAll(tf, valid), tf.constant(1f));
    return tf.math.div(PixelLabels.sumAll(tf, perPixel), count);
  }

  /** clamp(maxpool3×3(q) − minpool3×3(q), 0, 1) of the max-class probability q; [N, H, W]. */
  private static Operand<TFloat32> morphologicalGradient(Ops tf, Operand<TFloat32> probs) {
    Operand<TFloat32> q = tf.reduceMax(probs, tf.constant(-1), ReduceMax.keepDims(true));
    // PyTorch's max_pool2d(k=3, s=1, padding=1): the padded cells never win a window.
    Operand<TFloat32> max = Pooling.maxPool2d(tf, q, 3, 1, 1);
    Operand<TFloat32> min = tf.math.neg(Pooling.maxPool2d(tf, tf.math.neg(q), 3, 1, 1));
    Operand<TFloat32> clamped = tf.math.minimum(
        tf.math.maximum(tf.math.sub(max, min), tf.constant(0f)), tf.constant(1f));
    return tf.squeeze(clamped, Squeeze.axis(List.of(-1L)));
  }

  /** 1 where a 4-neighbour (replicate padding) has another label, else 0; [N, H, W]. */
  private static Operand<TFloat32> labelChanges(Ops tf, Operand<TInt32> labels) {
    // SYMMETRIC mirror padding by one cell repeats the edge cell: replicate padding.
    Operand<TInt32> padded =
        tf.mirrorPad(labels, tf.constant(new int[][] {{0, 0}, {1, 1}, {1, 1}}), "SYMMETRIC");
    Operand<TInt32> size = tf.shape(labels);
    Operand<TBool> changed = null;
    for (int[] offset : new int[][] {{0, 1}, {2, 1}, {1, 0}, {1, 2}}) {
      Operand<TInt32> neighbour =
          tf.slice(padded, tf.constant(new int[] {0, offset[0], offset[1]}), size);
      Operand<TBool> differs = tf.math.notEqual(labels, neighbour);
      changed = changed == null ? differs : tf.math.logicalOr(changed, differs);
    }
    return tf.dtypes.cast(changed, TFloat32.class);
  }

  /** Element-wise −t·ln b̂ − (1 − t)·ln(1 − b̂), b̂ = clamp(b, EPS, 1 − EPS). */
  private static Operand<TFloat32> binaryCrossEntropy(
      Ops tf, Operand<TFloat32> predicted, Operand<TFloat32> target) {
    Operand<TFloat32> b = tf.math.minimum(
        tf.math.maximum(predicted, tf.constant(EPS)), tf.constant(1f - EPS));
    Operand<TFloat32> one = tf.constant(1f);
    Operand<TFloat32> positive = tf.math.mul(target, tf.math.log(b));
    Operand<TFloat32> negative =
        tf.math.mul(tf.math.sub(one, target), tf.math.log(tf.math.sub(one, b)));
    return tf.math.neg(tf.math.add(positive, negative));
  }

  /** The mode in use. */
  public Mode mode() {
    return mode;
  }

  /** The label excluded from the loss. */
  public int ignoreIndex() {
    return ignoreIndex;
  }

  /** Readable construction of a {@link BoundaryLoss}; every setting has a default. */
  public static final class Builder {
    private Mode mode = Mode.SOBEL;
    private int ignoreIndex = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;

    private Builder() {}

    /** SOBEL (default) or MORPH. */
    public Builder mode(Mode value) {
      PixelLabels.require(value != null, "boundary mode: expected SOBEL or MORPH, found null");
      this.mode = value;
      return this;
    }

    /** Label whose pixels are excluded (default 255). */
    public Builder ignoreIndex(int value) {
      this.ignoreIndex = value;
      return this;
    }

    /** The configured loss. */
    public BoundaryLoss build() {
      return new BoundaryLoss(this);
    }
  }
}
