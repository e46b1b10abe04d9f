package org.delineo.losses.prism;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Class-frequency weighted cross-entropy on clamped probabilities, per sample: PASSION's / RFNet's
 * {@code softmax_weighted_loss_bs} (reference-methods.md §4.7.1). Input are <em>probabilities</em>
 * (softmax already applied), channels-last {@code [N, spatial..., K]}, 2-D or 3-D.
 *
 * <p>Per sample n and class c, with one-hot targets Y and the voxel count of the sample's crop:
 *
 * <pre>
 *   w_nc   = 1 − Σ_vox Y_nc / Σ_vox Σ_c Y_nc          (1 − the class fraction in this crop)
 *   e_n(v) = −Σ_c w_nc · Y_nc(v) · log(clamp(P_nc(v), lower, 1))
 *   loss_n = mean_vox e_n(v)                            → shape [N]
 * </pre>
 *
 * The clamp (default 0.005) caps a voxel's term at −log 0.005 ≈ 5.30 and gives zero gradient where
 * p &lt; 0.005, as the reference. A sample without any target (all-zero one-hot rows, e.g. labels
 * outside [0, K)) gets weights 1 on zero targets, hence loss 0 (the reference would divide 0 by 0).
 *
 * <p>Worked example: one sample of 1 × 2 pixels, 2 classes.
 *
 * <pre>{@code
 * // pixel 0: p = (0.8, 0.2), label 0;  pixel 1: p = (0.4, 0.6), label 1
 * Operand<TFloat32> probs = tf.constant(new float[][][][] {{{{0.8f, 0.2f}, {0.4f, 0.6f}}}});
 * Operand<TInt32> labels = tf.constant(new int[][][] {{{0, 1}}});
 * Operand<TFloat32> loss = new SoftmaxWeightedLoss().applyToLabels(tf, probs, labels);
 * // w = (1 − 1/2, 1 − 1/2) = (0.5, 0.5)
 * // pixel 0: −0.5·ln 0.8 = 0.11157;  pixel 1: −0.5·ln 0.6 = 0.25541
 * // loss = [(0.11157 + 0.25541) / 2] = [0.18349]
 * // unweighted (new SoftmaxWeightedLoss(0.005f, false)): [(0.22314 + 0.51083) / 2] = [0.36698]
 * }</pre>
 *
 * <p>The weighting makes a background voxel (w ≈ 0.1 in a crop that is 90 % background) cost about
 * a tenth of a tumour voxel, so at a boundary the network predicts tumour wherever its posterior
 * exceeds about 0.1: on the synthetic phantoms this grows the whole tumour by up to one voxel
 * (docs/prism.md). The unweighted form (every w = 1) is the {@code unweighted-ce} ablation.
 */
public final class SoftmaxWeightedLoss {
  /** The reference's lower clamp of the probabilities. */
  public static final float DEFAULT_CLAMP = 0.005f;

  private final float clamp;
  private final boolean classWeighted;

  /** The reference form, clamp 0.005. */
  public SoftmaxWeightedLoss() {
    this(DEFAULT_CLAMP);
  }

  /**
   * The reference's class-weighted form.
   *
   * @param clamp lower clamp of the probabilities, in (0, 1)
   * @throws org.delineo.graph.DelineoException otherwise
   */
  public SoftmaxWeightedLoss(float clamp) {
    this(clamp, true);
  }

  /**
   * @param clamp lower clamp of the probabilities, in (0, 1)
   * @param classWeighted whether w_nc = 1 − the class fraction (reference) or every w_nc = 1
   * @throws org.delineo.graph.DelineoException when the clamp is outside (0, 1)
   */
  public SoftmaxWeightedLoss(float clamp, boolean classWeighted) {
    PrismTensors.require(clamp > 0f && clamp < 1f,
        "softmax weighted loss clamp must lie in (0, 1), found " + clamp);
    this.clamp = clamp;
    this.classWeighted = classWeighted;
  }

  /**
   * The per-sample loss [N].
   *
   * @param probabilities [N, spatial..., K], K static
   * @param targets one-hot (or soft) targets of the same shape
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   */
  public Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> probabilities, Operand<TFloat32> targets) {
    int r = PrismTensors.rank("softmax weighted loss probabilities", probabilities);
    PrismTensors.requireCompatible("softmax weighted loss targets (the probabilities' shape)",
        probabilities.shape(), targets.shape());
    Operand<TFloat32> weighted = classWeighted ? tf.math.mul(classWeights(tf, targets, r), targets) : targets;
    Operand<TFloat32> logP =
        tf.math.log(PrismTensors.clampProbabilities(tf, probabilities, clamp));
    Operand<TFloat32> voxel = tf.math.neg(
        tf.reduceSum(tf.math.mul(weighted, logP), tf.constant(r - 1)));
    // voxel is [N, spatial...]: its spatial axes are the probabilities' spatial axes.
    return tf.math.mean(voxel, PrismTensors.spatialAxes(tf, r));
  }

  /** w_nc = 1 − the class's fraction of sample n's voxels, [N, 1.., K] to broadcast. */
  private static Operand<TFloat32> classWeights(Ops tf, Operand<TFloat32> targets, int rank) {
    Operand<TFloat32> classCount =
        tf.reduceSum(targets, PrismTensors.spatialAxes(tf, rank), ReduceSum.keepDims(true));
    Operand<TFloat32> total =
        tf.reduceSum(classCount, tf.constant(rank - 1), ReduceSum.keepDims(true));
    return tf.math.sub(tf.constant(1f), tf.math.divNoNan(classCount, total));
  }

  /**
   * The per-sample loss [N] for class-id labels {@code [N, spatial...]}.
   *
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   */
  public Operand<TFloat32> applyToLabels(
      Ops tf, Operand<TFloat32> probabilities, Operand<TInt32> labels) {
    return apply(tf, probabilities,
        PrismTensors.oneHot(tf, "softmax weighted loss", probabilities, labels));
  }

  /** The lower clamp of the probabilities. */
  public float clamp() {
    return clamp;
  }

  /** Whether classes are weighted by 1 − their fraction (the reference) rather than 1. */
  public boolean classWeighted() {
    return classWeighted;
  }
}
