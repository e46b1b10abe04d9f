package org.delineo.losses.semsim;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SemSim's cross-image consistency (Eq. 7–13): local class prototypes of the labeled features, a
 * similarity-based prediction p_cr for the unlabeled features, its uncertainty weight Ū, and the
 * confidence-masked cross-entropy against the weak view.
 *
 * <p><b>Prototypes (Eq. 7).</b> The feature map [h, w] is cut into an N = g × g grid (decision SS-2:
 * N must be a square; 4 → 2 × 2). Row y belongs to grid row floor(y·g/h), column x to floor(x·g/w),
 * so sizes that g does not divide give regions differing by one pixel. For each labeled image j,
 * class c and region n, G^c_n(j) = mean of the features whose label (the image-resolution labels
 * downsampled by nearest neighbour to (h, w); the ignore index counts for no class) is c inside
 * region n; if region n has no pixel of class c, the whole-image prototype of c in image j is used.
 * A class absent from the whole of image j has no prototype there: it is <em>excluded</em> (weight 0)
 * from every sum over j below, rather than compared against a zero vector.
 *
 * <p><b>Prediction (Eq. 8–9).</b> For an unlabeled position i in region n: m(i, j, c) =
 * cos(f̃(i), G^c_n(j)), and p_cr(c) = Σ_j a(j,c)·e^{m(j,c)} / Σ_c Σ_j a(j,c)·e^{m(j,c)}, a = 1 where
 * image j has class c. A class absent from every labeled image gets p_cr = 0, and pixels whose
 * pseudo-label is such a class are left out of the loss (there is nothing to compare them with).
 *
 * <p><b>Uncertainty (Eq. 10–12).</b> The paper writes a KL on the raw similarity scores,
 * U(j) = Σ_c m(j,c)·log(m(j,c)/m̄(c)), which is undefined for cosines ≤ 0. Here the scores of image j
 * are first mapped to a distribution over its classes, q(j, ·) = softmax_c m(j, ·) (over the classes
 * present in image j), m̄ = q̄ = mean_j q(j, ·), and U(j) = KL(q(j) ‖ q̄) ≥ 0. So Ū = mean_j
 * exp(−r·U(j)) lies in (0, 1], equals 1 when all labeled images agree, and cannot explode the way
 * exp(−1000·U) would for a negative U. Labeled images without any labeled pixel are left out of the
 * means. By default Ū is a weight without gradient ({@code stopGradient}), so the model cannot lower
 * the loss by making the labeled images disagree; {@code detachUncertainty(false)} keeps it.
 *
 * <p><b>Loss (Eq. 13).</b> With the weak probabilities brought to (h, w) bilinearly (as I(·)),
 * pseudo-label ŷ = argmax, confidence = max:
 * L = Σ_i 1(conf ≥ τ)·Ū(i)·(−log p_cr(i, ŷ)) / (number of valid pixels), the FixMatch form
 * (1/|B_u|)·Σ 1(·)·L_ce: low-confidence pixels count in the divisor with zero loss, as UniMatch's
 * unlabeled cross-entropy does.
 *
 * <p>Gradients reach the unlabeled features and the labeled features (through the prototypes); the
 * weak probabilities are stopped.
 */
public final class CrossImagePrototypes {
  /** Labels with this value belong to no class. */
  public static final int DEFAULT_IGNORE_INDEX = 255;

  private final int classes;
  private final int grid;
  private final float r;
  private final float tau;
  private final boolean detachUncertainty;

  /**
   * @param classes number of classes K
   * @param subRegions N, a perfect square (the grid is √N × √N)
   * @param r sharpness of the uncertainty weight exp(−r·U) (SemSim: 1000), ≥ 0
   * @param tau confidence threshold of the weak pseudo-labels in [0, 1]
   * @param detachUncertainty whether Ū is used without gradient (default true)
   */
  public CrossImagePrototypes(int classes, int subRegions, float r, float tau,
      boolean detachUncertainty) {
    SemSimTensors.require(classes >= 1, "cross-image prototypes: classes must be ≥ 1, found " + classes);
    int g = (int) Math.round(Math.sqrt(subRegions));
    SemSimTensors.require(subRegions >= 1 && g * g == subRegions,
        "cross-image prototypes: sub_regions must be a perfect square (g × g grid), found " + subRegions);
    SemSimTensors.require(r >= 0f && Float.isFinite(r),
        "cross-image prototypes: r must be finite and ≥ 0, found " + r);
    SemSimTensors.require(tau >= 0f && tau <= 1f,
        "cross-image prototypes: tau must lie in [0, 1], found " + tau);
    this.classes = classes;
    this.grid = g;
    this.r = r;
    this.tau = tau;
    this.detachUncertainty = detachUncertainty;
  }

  /**
   * Local prototypes of the labeled batch.
   *
   * @param local [B_l, K, N, D]: G^c_n(j) (whole-image fallback already applied; zero where class c
   *     is absent from image j)
   * @param present [B_l, K]: 1 where image j has at least one pixel of class c
   * @param featureHeight h
   * @param featureWidth w
   */
  public record Prototypes(Operand<TFloat32> local, Operand<TFloat32> present, long featureHeight,
      long featureWidth) {}

  /**
   * The cross-image prediction for unlabeled features.
   *
   * @param probs p_cr [B_u, h, w, K]
   * @param logProbs log p_cr [B_u, h, w, K]; finite (log 1 = 0) for classes absent from the labeled
   *     batch, whose p_cr is 0
   * @param certainty Ū [B_u, h, w] in (0, 1] (stopped when so configured)
   * @param classPresent [K]: 1 where some labeled image has the class
   */
  public record Prediction(Operand<TFloat32> probs, Operand<TFloat32> logProbs,
      Operand<TFloat32> certainty, Operand<TFloat32> classPresent) {}

  /**
   * Prototypes of labeled features [B_l, h, w, D] with labels [B_l, H, W] (any resolution; brought
   * to (h, w) by nearest neighbour).
   */
  public Prototypes prototypes(Ops tf, Operand<TFloat32> labeledFeatures, Operand<TInt32> labels) {
    long[] hwd = SemSimTensors.staticHwc("cross-image labeled features", labeledFeatures);
    long h = hwd[0];
    long w = hwd[1];
    long d = hwd[2];
    long hw = h * w;
    int n = grid * grid;
    Operand<TFloat32> f = tf.reshape(labeledFeatures, tf.constant(new long[] {-1, hw, d}));
    Operand<TFloat32> y = tf.reshape(
        tf.oneHot(labelsAt(tf, labels, h, w), tf.constant(classes), tf.constant(1f), tf.constant(0f)),
        tf.constant(new long[] {-1, hw, classes}));
    // y ⊗ region: [B, hw, K·N], column c·N + n is 1 where the pixel has class c and lies in region n.
    Operand<TFloat32> region = tf.reshape(tf.constant(regionMatrix(h, w)),
        tf.constant(new long[] {1, hw, 1, n}));
    Operand<TFloat32> yRegion = tf.reshape(
        tf.math.mul(tf.expandDims(y, tf.constant(-1)), region),
        tf.constant(new long[] {-1, hw, (long) classes * n}));
    Operand<TFloat32> localSum = tf.reshape(
        tf.train.batchMatMul(yRegion, f, TFloat32.class, BatchMatMul.adjX(true)),
        tf.constant(new long[] {-1, classes, n, d}));
    Operand<TFloat32> localCount = tf.reshape(tf.reduceSum(yRegion, tf.constant(1)),
        tf.constant(new long[] {-1, classes, n, 1}));
    Operand<TFloat32> wholeSum = tf.expandDims(
        tf.train.batchMatMul(y, f, TFloat32.class, BatchMatMul.adjX(true)), tf.constant(2));
    Operand<TFloat32> wholeCountFlat = tf.reduceSum(y, tf.constant(1));
    Operand<TFloat32> wholeCount = tf.reshape(wholeCountFlat, tf.constant(new long[] {-1, classes, 1, 1}));
    Operand<TFloat32> hasLocal = tf.dtypes.cast(
        tf.math.greater(localCount, tf.constant(0f)), TFloat32.class);
    // DivNoNan gives 0 (and a zero gradient) for empty regions/classes; the blend then picks the
    // whole-image mean where the region has no pixel of the class.
    Operand<TFloat32> local = tf.math.add(
        tf.math.mul(hasLocal, tf.math.divNoNan(localSum, localCount)),
        tf.math.mul(tf.math.sub(tf.constant(1f), hasLocal), tf.math.divNoNan(wholeSum, wholeCount)));
    Operand<TFloat32> present = tf.dtypes.cast(
        tf.math.greater(wholeCountFlat, tf.constant(0f)), TFloat32.class);
    return new Prototypes(local, present, h, w);
  }

  /** p_cr and Ū for unlabeled features [B_u, h, w, D] (the prototypes' h, w and D). */
  public Prediction predict(Ops tf, Prototypes prototypes, Operand<TFloat32> unlabeledFeatures) {
    long[] hwd = SemSimTensors.staticHwc("cross-image unlabeled features", unlabeledFeatures);
    long h = hwd[0];
    long w = hwd[1];
    long d = hwd[2];
    if (h != prototypes.featureHeight() || w != prototypes.featureWidth()
        || prototypes.local().shape().get(3) != d) {
      throw new ShapeMismatchException("cross-image unlabeled features: expected [B_u, "
          + prototypes.featureHeight() + ", " + prototypes.featureWidth() + ", "
          + prototypes.local().shape().get(3) + "] like the labeled features, found "
          + unlabeledFeatures.shape());
    }
    long hw = h * w;
    int n = grid * grid;
    Operand<TFloat32> u = tf.reshape(SemSimTensors.l2Normalize(tf, unlabeledFeatures),
        tf.constant(new long[] {-1, d}));
    Operand<TFloat32> g = tf.reshape(SemSimTensors.l2Normalize(tf, prototypes.local()),
        tf.constant(new long[] {-1, d}));
    // Cosines against every prototype [B_u·hw, B_l·K·N], then the region of each position picks N.
    Operand<TFloat32> all = tf.linalg.matMul(u, g, MatMul.transposeB(true));
    Operand<TInt32> labeledBatch = tf.slice(tf.shape(prototypes.local()),
        tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TFloat32> perRegion = tf.reshape(all, tf.concat(List.of(
        tf.constant(new int[] {-1, (int) hw}), labeledBatch, tf.constant(new int[] {classes, n})),
        tf.constant(0)));
    Operand<TFloat32> region = tf.reshape(tf.constant(regionMatrix(h, w)),
        tf.constant(new long[] {1, hw, 1, 1, n}));
    // m [B_u, hw, B_l, K]
    Operand<TFloat32> m = tf.reduceSum(tf.math.mul(perRegion, region), tf.constant(4));
    Operand<TFloat32> a = tf.expandDims(tf.expandDims(prototypes.present(), tf.constant(0)),
        tf.constant(0));
    Operand<TFloat32> e = tf.math.mul(a, tf.math.exp(m));

    Operand<TFloat32> numerator = tf.reduceSum(e, tf.constant(2));
    Operand<TFloat32> denominator = tf.math.maximum(
        tf.reduceSum(numerator, tf.constant(-1), ReduceSum.keepDims(true)), tf.constant(1e-30f));
    Operand<TFloat32> classPresent = tf.dtypes.cast(tf.math.greater(
        tf.reduceSum(prototypes.present(), tf.constant(0)), tf.constant(0f)), TFloat32.class);
    Operand<TFloat32> absent = tf.math.sub(tf.constant(1f), classPresent);
    Operand<TFloat32> probs = tf.math.div(numerator, denominator);
    Operand<TFloat32> logProbs = tf.math.sub(
        tf.math.log(tf.math.add(numerator, absent)), tf.math.log(denominator));

    // Uncertainty: q(j) = softmax over the classes present in image j, U(j) = KL(q(j) || mean_j q).
    Operand<TFloat32> imageValid = tf.dtypes.cast(tf.math.greater(
        tf.reduceSum(prototypes.present(), tf.constant(1)), tf.constant(0f)), TFloat32.class);
    Operand<TFloat32> validCount = tf.math.maximum(
        tf.reduceSum(imageValid, tf.constant(0)), tf.constant(1f));
    Operand<TFloat32> perImage = tf.math.maximum(
        tf.reduceSum(e, tf.constant(-1), ReduceSum.keepDims(true)), tf.constant(1e-30f));
    Operand<TFloat32> q = tf.math.div(e, perImage);
    Operand<TFloat32> logQ = tf.math.sub(m, tf.math.log(perImage));
    Operand<TFloat32> qMean = tf.math.div(
        tf.reduceSum(q, tf.constant(2), ReduceSum.keepDims(true)), validCount);
    Operand<TFloat32> logQMean = tf.math.log(tf.math.add(qMean, absent));
    // A KL is ≥ 0; float rounding can give −1e-8, which r = 1000 would turn into Ū > 1.
    Operand<TFloat32> kl = tf.math.maximum(tf.reduceSum(
        tf.math.mul(q, tf.math.sub(logQ, logQMean)), tf.constant(-1)), tf.constant(0f));
    Operand<TFloat32> weights = tf.math.mul(imageValid,
        tf.math.exp(tf.math.mul(tf.constant(-r), kl)));
    Operand<TFloat32> certainty = tf.math.div(tf.reduceSum(weights, tf.constant(2)), validCount);
    if (detachUncertainty) {
      certainty = tf.stopGradient(certainty);
    }
    Operand<TInt32> imageShape = tf.constant(new int[] {-1, (int) h, (int) w, classes});
    return new Prediction(tf.reshape(probs, imageShape), tf.reshape(logProbs, imageShape),
        tf.reshape(certainty, tf.constant(new int[] {-1, (int) h, (int) w})), classPresent);
  }

  /**
   * L_cross (Eq. 13).
   *
   * @param labeledFeatures [B_l, h, w, D]
   * @param labels [B_l, H, W] labels of the labeled images (ignore index 255 allowed)
   * @param unlabeledFeatures [B_u, h, w, D] features of the unlabeled view being trained (S2)
   * @param weakProbs [B_u, H', W', K] weak-view probabilities (stopped; resized to (h, w) bilinearly)
   * @param validMask [B_u, H', W'] 0/1 usable pixels (e.g. CutMix padding 0), or null
   */
  public Operand<TFloat32> loss(Ops tf, Operand<TFloat32> labeledFeatures, Operand<TInt32> labels,
      Operand<TFloat32> unlabeledFeatures, Operand<TFloat32> weakProbs, Operand<TFloat32> validMask) {
    Prediction p = predict(tf, prototypes(tf, labeledFeatures, labels), unlabeledFeatures);
    long[] hwd = SemSimTensors.staticHwc("cross-image unlabeled features", unlabeledFeatures);
    long[] weakHwk = SemSimTensors.staticHwc("cross-image weak probabilities", weakProbs);
    if (weakHwk[2] != classes) {
      throw new ShapeMismatchException("cross-image weak probabilities: expected " + classes
          + " classes (last axis), found shape " + weakProbs.shape());
    }
    Operand<TFloat32> weak = SemSimTensors.resizeTo(
        tf, tf.stopGradient(weakProbs), hwd[0], hwd[1], ResizeMode.HALF_PIXEL);
    Operand<TFloat32> confidence = tf.reduceMax(weak, tf.constant(-1));
    Operand<TFloat32> target = tf.oneHot(tf.math.argMax(weak, tf.constant(-1)),
        tf.constant(classes), tf.constant(1f), tf.constant(0f));
    Operand<TFloat32> valid = SemSimTensors.maskTo(tf, validMask, hwd[0], hwd[1]);
    Operand<TFloat32> keep = tf.math.mul(
        tf.dtypes.cast(tf.math.greaterEqual(confidence, tf.constant(tau)), TFloat32.class),
        tf.reduceSum(tf.math.mul(target, p.classPresent()), tf.constant(-1)));
    if (valid != null) {
      keep = tf.math.mul(keep, valid);
    }
    Operand<TFloat32> ce = tf.math.neg(tf.reduceSum(tf.math.mul(target, p.logProbs()), tf.constant(-1)));
    Operand<TFloat32> total = SemSimTensors.sumAll(tf, tf.math.mul(tf.math.mul(keep, p.certainty()), ce));
    Operand<TFloat32> count = valid != null ? SemSimTensors.sumAll(tf, valid)
        : tf.dtypes.cast(tf.size(confidence), TFloat32.class);
    return tf.math.div(total, tf.math.maximum(count, tf.constant(1f)));
  }

  private Operand<TInt32> labelsAt(Ops tf, Operand<TInt32> labels, long h, long w) {
    org.tensorflow.ndarray.Shape s = labels.shape();
    if (s.isUnknown() || s.numDimensions() != 3) {
      throw new ShapeMismatchException(
          "cross-image labels: expected rank 3 [B_l, H, W], found shape " + s);
    }
    if (s.get(1) == h && s.get(2) == w) {
      return labels;
    }
    return tf.squeeze(Resize.nearest2d(tf, tf.expandDims(labels, tf.constant(-1)), h, w),
        Squeeze.axis(List.of(-1L)));
  }

  /** [h·w][N]: 1 where position (y, x) lies in grid cell (floor(y·g/h), floor(x·g/w)). */
  private float[][] regionMatrix(long h, long w) {
    SemSimTensors.require(h >= grid && w >= grid, "cross-image prototypes: a " + grid + " × " + grid
        + " grid needs a feature map at least that large, found " + h + " × " + w);
    float[][] out = new float[(int) (h * w)][grid * grid];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int row = (int) (y * grid / h);
        int col = (int) (x * grid / w);
        out[(int) (y * w + x)][row * grid + col] = 1f;
      }
    }
    return out;
  }
}
