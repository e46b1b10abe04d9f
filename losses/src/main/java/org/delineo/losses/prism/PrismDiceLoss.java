package org.delineo.losses.prism;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Soft Dice per sample with the background included and divided by the class count: PASSION's /
 * RFNet's {@code dice_loss_bs} (reference-methods.md §4.7.2). Input are <em>probabilities</em>,
 * channels-last {@code [N, spatial..., K]}, 2-D or 3-D.
 *
 * <pre>
 *   loss_n = 1 − (1/K) · Σ_c 2·Σ_vox P_nc·Y_nc / (Σ_vox P_nc + Σ_vox Y_nc + 1e-7)   → shape [N]
 * </pre>
 *
 * No squared denominator, no smoothing in the numerator and no special case for empty classes: a
 * class absent from the sample contributes Dice 0 (so 1/K of loss) whatever is predicted, as the
 * reference. Unlike {@link org.delineo.losses.DiceLoss}, nothing is pooled over the batch.
 *
 * <p>Worked example: one sample of 1 × 2 pixels, 2 classes.
 *
 * <pre>{@code
 * // pixel 0: p = (0.8, 0.2), label 0;  pixel 1: p = (0.4, 0.6), label 1
 * Operand<TFloat32> probs = tf.constant(new float[][][][] {{{{0.8f, 0.2f}, {0.4f, 0.6f}}}});
 * Operand<TInt32> labels = tf.constant(new int[][][] {{{0, 1}}});
 * Operand<TFloat32> loss = new PrismDiceLoss().applyToLabels(tf, probs, labels);
 * // class 0: 2·0.8 / (1.2 + 1) = 0.72727;  class 1: 2·0.6 / (0.8 + 1) = 0.66667
 * // loss = [1 − (0.72727 + 0.66667) / 2] = [0.30303]
 * }</pre>
 */
public final class PrismDiceLoss {
  /** The reference's denominator guard. */
  public static final float EPS = 1e-7f;

  /**
   * The per-sample loss [N].
   *
   * @param probabilities [N, spatial..., K], K static
   * @param targets one-hot (or soft) targets of the same shape
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   */
  public Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> probabilities, Operand<TFloat32> targets) {
    int r = PrismTensors.rank("dice loss probabilities", probabilities);
    PrismTensors.requireCompatible("dice loss targets (the probabilities' shape)",
        probabilities.shape(), targets.shape());
    int k = PrismTensors.channels(probabilities);
    Operand<TInt32> spatial = PrismTensors.spatialAxes(tf, r);
    // [N, K] sums per sample and class.
    Operand<TFloat32> intersect =
        tf.reduceSum(tf.math.mul(probabilities, targets), spatial);
    Operand<TFloat32> denominator = tf.math.add(
        tf.math.add(tf.reduceSum(probabilities, spatial), tf.reduceSum(targets, spatial)),
        tf.constant(EPS));
    Operand<TFloat32> dice =
        tf.math.div(tf.math.mul(tf.constant(2f), intersect), denominator);
    Operand<TFloat32> meanDice =
        tf.math.div(tf.reduceSum(dice, tf.constant(1)), tf.constant((float) k));
    return tf.math.sub(tf.constant(1f), meanDice);
  }

  /**
   * The per-sample loss [N] for class-id labels {@code [N, spatial...]}.
   *
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   */
  public Operand<TFloat32> applyToLabels(
      Ops tf, Operand<TFloat32> probabilities, Operand<TInt32> labels) {
    return apply(tf, probabilities, PrismTensors.oneHot(tf, "dice loss", probabilities, labels));
  }
}
