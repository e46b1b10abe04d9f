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
    long[] hwk = SemSimTensors.staticHwc("confidence-masked dice student probabilities", studentProbs);
    long[] weakHwk = SemSimTensors.staticHwc("confidence-masked dice weak probabilities", weakProbs);
    if (hwk[0] != weakHwk[0] || hwk[1] != weakHwk[1] || hwk[2] != weakHwk[2]) {
      throw new org.delineo.graph.ShapeMismatchException("confidence-masked dice weak probabilities",
          studentProbs.shape(), weakProbs.shape());
    }
    long k = hwk[2];
    Operand<TFloat32> weak = tf.stopGradient(weakProbs);
    Operand<TFloat32> confidence = tf.reduceMax(weak, tf.constant(-1));
    Operand<TFloat32> keep = tf.dtypes.cast(
        tf.math.greaterEqual(confidence, tf.constant(tau)), TFloat32.class);
    if (validMask != null) {
      keep = tf.math.mul(keep, SemSimTensors.maskTo(tf, validMask, hwk[0], hwk[1]));
    }
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

  /** The confidence threshold τ. */
  public float tau() {
    return tau;
  }

  /** Whether the targets are the weak probabilities rather than their argmax. */
  public boolean softTargets() {
    return softTargets;
  }
}
