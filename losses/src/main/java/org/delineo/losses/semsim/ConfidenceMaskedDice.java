package org.delineo.losses.semsim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The weak-to-strong Dice consistency of FixMatch / UniMatch (reference-methods.md §5.2, SemSim
 * Eq. 3 and 6): the student's probabilities against pseudo-labels from the weak view, with pixels
 * whose weak confidence is below τ left out.
 *
 * <p>UniMatch's {@code DiceLoss}: per class c, pooled over every image and pixel of the batch but
 * only over kept pixels (confidence max_c w ≥ τ and, if given, valid mask 1), with V-Net squared
 * denominators and background included:
 *
 * <pre>
 *   d_c = (2 Σ p_c·y_c + s) / (Σ p_c² + Σ y_c² + s),   loss = mean_c (1 − d_c),   s = 1e-5
 * </pre>
 *
 * y is the one-hot of argmax_c w (hard pseudo-labels, the default; decision SS-3) or w itself (soft).
 * The weak view passes through {@code stopGradient}: it is a target, never trained through this
 * term. An entirely masked batch gives d_c = s/s = 1, hence loss 0.
 *
 * <p>Inputs are probabilities, not logits, because SemSim's refined predictions p_in (Eq. 5) are
 * not a softmax output.
 */
public final class ConfidenceMaskedDice {
  /** UniMatch's smoothing constant. */
  public static final float DEFAULT_SMOOTH = 1e-5f;

  private final float tau;
  private final boolean softTargets;
  private final float smooth;

  /**
   * @param tau confidence threshold in [0, 1] (SemSim / UniMatch: 0.95)
   * @param softTargets false: one-hot argmax pseudo-labels; true: the weak probabilities themselves
   */
  public ConfidenceMaskedDice(float tau, boolean softTargets) {
    SemSimTensors.require(tau >= 0f && tau <= 1f,
        "confidence-masked dice: tau must lie in [0, 1], found " + tau);
    this.tau = tau;
    this.softTargets = softTargets;
    this.smooth = DEFAULT_SMOOTH;
  }

  /**
   * The scalar loss.
   *
   * @param studentProbs [N, H, W, K] probabilities of the strong view (gradients flow here)
   * @param weakProbs [N, H, W, K] probabilities of the weak view (stopped)
   * @param validMask [N, H, W] 1 for pixels that may be used (e.g. 0 on CutMix padding), or null
   * @throws org.delineo.graph.ShapeMismatchException when the shapes differ or are not static
   */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> studentProbs, Operand<TFloat32> weakProbs,
      Operand<TFloat32> validMask) {
    return apply(tf, studentProbs, weakProbs, weakProbs, validMask);
  }

  /**
   * The scalar loss with the pseudo-labels and the confidence mask taken from different weak
   * predictions: targets from {@code targetProbs} (argmax, or the probabilities when soft), kept
   * pixels where max_c {@code confidenceProbs} ≥ τ. SemSim's L_intra needs this: its targets are the
   * refined weak prediction p^w_1, but p^w_1 mixes each position with the affinity-weighted average of
   * the others and so rarely reaches τ = 0.95, while the unrefined p^w does (see
   * {@link SemSimLosses#intra}).
   *
   * @param studentProbs [N, H, W, K] probabilities of the student (gradients flow here)
   * @param targetProbs [N, H, W, K] weak probabilities giving the targets (stopped)
   * @param confidenceProbs [N, H, W, K] weak probabilities giving the confidence mask (stopped)
   * @param validMask [N, H, W] usable pixels, or null
   * @throws org.delineo.graph.ShapeMismatchException when the shapes differ or are not static
   */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> studentProbs,
      Operand<TFloat32> targetProbs, Operand<TFloat32> confidenceProbs, Operand<TFloat32> validMask) {
    long[] hwk = SemSimTensors.staticHwc("confidence-masked dice student probabilities", studentProbs);
    sameShape("confidence-masked dice weak probabilities", studentProbs, targetProbs);
    long k = hwk[2];
    Operand<TFloat32> weak = tf.stopGradient(targetProbs);
    Operand<TFloat32> keep = keep(tf, studentProbs, confidenceProbs, validMask);
    Operand<TFloat32> targets = softTargets ? weak
        : tf.oneHot(tf.math.argMax(weak, tf.constant(-1)), tf.constant((int) k),
            tf.constant(1f), tf.constant(0f));
    Operand<TFloat32> m = tf.expandDims(keep, tf.constant(-1));
    Operand<TFloat32> intersect = SemSimTensors.sumPerClass(
        tf, tf.math.mul(tf.math.mul(studentProbs, targets), m), k);
    Operand<TFloat32> predSum = SemSimTensors.sumPerClass(
        tf, tf.math.mul(tf.math.square(studentProbs), m), k);
    Operand<TFloat32> targetSum = SemSimTensors.sumPerClass(
        tf, tf.math.mul(tf.math.square(targets), m), k);
    Operand<TFloat32> s = tf.constant(smooth);
    Operand<TFloat32> dice = tf.math.div(
        tf.math.add(tf.math.mul(tf.constant(2f), intersect), s),
        tf.math.add(tf.math.add(predSum, targetSum), s));
    return tf.math.sub(tf.constant(1f), tf.math.mean(dice, tf.constant(0)));
  }

  /**
   * The fraction of usable pixels this loss keeps: Σ keep / Σ valid (all pixels when
   * {@code validMask} is null), with keep = 1(max_c confidenceProbs ≥ τ)·valid; 0 for an empty mask.
   * A diagnostic, without gradient.
   *
   * @param confidenceProbs [N, H, W, K] weak probabilities giving the confidence
   * @param validMask [N, H, W] usable pixels, or null
   */
  public Operand<TFloat32> keptFraction(Ops tf, Operand<TFloat32> confidenceProbs,
      Operand<TFloat32> validMask) {
    long[] hwk = SemSimTensors.staticHwc("confidence-masked dice weak probabilities", confidenceProbs);
    Operand<TFloat32> keep = keep(tf, confidenceProbs, confidenceProbs, validMask);
    Operand<TFloat32> valid = validMask == null
        ? tf.onesLike(keep) : SemSimTensors.maskTo(tf, validMask, hwk[0], hwk[1]);
    // max(·, 1) only guards the all-invalid batch, where the kept sum is 0 as well.
    return tf.stopGradient(tf.math.div(SemSimTensors.sumAll(tf, keep),
        tf.math.maximum(SemSimTensors.sumAll(tf, valid), tf.constant(1f))));
  }

  /** 1(max_c confidence ≥ τ), times the valid mask brought to the student's (H, W). */
  private Operand<TFloat32> keep(Ops tf, Operand<TFloat32> studentProbs,
      Operand<TFloat32> confidenceProbs, Operand<TFloat32> validMask) {
    long[] hwk = SemSimTensors.staticHwc("confidence-masked dice student probabilities", studentProbs);
    sameShape("confidence-masked dice confidence probabilities", studentProbs, confidenceProbs);
    Operand<TFloat32> confidence = tf.reduceMax(tf.stopGradient(confidenceProbs), tf.constant(-1));
    Operand<TFloat32> keep = tf.dtypes.cast(
        tf.math.greaterEqual(confidence, tf.constant(tau)), TFloat32.class);
    if (validMask != null) {
      keep = tf.math.mul(keep, SemSimTensors.maskTo(tf, validMask, hwk[0], hwk[1]));
    }
    return keep;
  }

  private static void sameShape(String what, Operand<TFloat32> student, Operand<TFloat32> other) {
    long[] a = SemSimTensors.staticHwc("confidence-masked dice student probabilities", student);
    long[] b = SemSimTensors.staticHwc(what, other);
    if (a[0] != b[0] || a[1] != b[1] || a[2] != b[2]) {
      throw new org.delineo.graph.ShapeMismatchException(what, student.shape(), other.shape());
    }
  }

  /** The confidence threshold τ. */
  public float tau() {
    return tau;
  }
}
