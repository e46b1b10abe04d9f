package org.delineo.losses.prism;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Deep supervision of the PRM heads (reference-methods.md §4.7.5, §4.9): for PRM logits per level
 * (level 0 at full resolution, then coarser) and targets at full resolution,
 *
 * <pre>
 *   P_l    = up_l(softmax(prm_l))      (trilinear 3-D / bilinear 2-D, align_corners = True)
 *   loss_n = Σ_l w_l · [softmax_weighted_loss(P_l, Y)_n + dice_loss(P_l, Y)_n]   → shape [N]
 * </pre>
 *
 * with w from {@link PrmWeights} (0.5, 0.25, … by default). As PASSION's {@code up_op}, the
 * <em>probabilities</em> are upsampled, not the logits; a level already at full resolution is used
 * as is. The targets' spatial shape must be static (the resize needs sizes when the graph is
 * built).
 *
 * <p>Worked example: two levels, w = (0.5, 0.25); level 0 is [1, 2, 2, K], level 1 [1, 1, 1, K]
 * with logits z. Level 1's probabilities softmax(z) are copied to all four pixels (align-corners
 * upsampling of a single pixel), so loss = 0.5·(CE_w + Dice)(P_0) + 0.25·(CE_w + Dice)(softmax(z)
 * everywhere).
 */
public final class PrmDeepSupervision {
  private final PrmWeights weights;
  private final SoftmaxWeightedLoss crossEntropy;
  private final PrismDiceLoss dice = new PrismDiceLoss();

  /**
   * @param weights one weight per PRM level, level 0 first
   * @param crossEntropy the weighted CE (its clamp)
   */
  public PrmDeepSupervision(PrmWeights weights, SoftmaxWeightedLoss crossEntropy) {
    PrismTensors.require(weights != null && crossEntropy != null,
        "PRM deep supervision: expected weights and a weighted CE, found null");
    this.weights = weights;
    this.crossEntropy = crossEntropy;
  }

  /** Reference settings: weights 0.5, 0.25, … for {@code levels} levels, clamp 0.005. */
  public static PrmDeepSupervision reference(int levels) {
    return new PrmDeepSupervision(PrmWeights.reference(levels), new SoftmaxWeightedLoss());
  }

  /**
   * The weighted per-sample sum [N].
   *
   * @param prmLogits logits per level, {@code [N, spatial_l..., K]}, as many as there are weights;
   *     spatial sizes static
   * @param targets one-hot {@code [N, spatial..., K]} at full resolution, spatial sizes static
   * @throws ShapeMismatchException on a wrong level count, rank, class count or unknown size
   */
  public Operand<TFloat32> apply(
      Ops tf, List<Operand<TFloat32>> prmLogits, Operand<TFloat32> targets) {
    if (prmLogits == null || prmLogits.size() != weights.levels()) {
      throw new ShapeMismatchException("PRM deep supervision: expected " + weights.levels()
          + " PRM levels (one per weight), found " + (prmLogits == null ? 0 : prmLogits.size()));
    }
    int r = PrismTensors.rank("PRM deep supervision targets", targets);
    PrismTensors.require(r == 4 || r == 5, "PRM deep supervision targets: expected rank 4 NHWC or"
        + " 5 NDHWC (the resize is 2-D or 3-D), found shape " + targets.shape());
    Shape full = targets.shape();
    long[] size = new long[r - 2];
    for (int i = 0; i < size.length; i++) {
      size[i] = full.get(i + 1);
      if (size[i] <= 0) {
        throw new ShapeMismatchException(
            "PRM deep supervision targets: spatial sizes must be static, found shape " + full);
      }
    }
    Operand<TFloat32> total = null;
    for (int l = 0; l < prmLogits.size(); l++) {
      Operand<TFloat32> logits = prmLogits.get(l);
      String what = "PRM level " + l + " logits";
      PrismTensors.rank(what, logits);
      Shape s = logits.shape();
      if (s.numDimensions() != r || s.get(r - 1) != full.get(r - 1)) {
        throw new ShapeMismatchException(what + " (rank and class count of the targets)", full, s);
      }
      Operand<TFloat32> probs = PrismTensors.upsample(tf, tf.nn.softmax(logits), size, what);
      Operand<TFloat32> level = tf.math.add(
          crossEntropy.apply(tf, probs, targets), dice.apply(tf, probs, targets));
      Operand<TFloat32> weighted = tf.math.mul(tf.constant(weights.get(l)), level);
      total = total == null ? weighted : tf.math.add(total, weighted);
    }
    return total;
  }

  /**
   * The weighted per-sample sum [N] for class-id labels {@code [N, spatial...]} at full resolution.
   *
   * @param classes K
   */
  public Operand<TFloat32> applyToLabels(
      Ops tf, List<Operand<TFloat32>> prmLogits, Operand<TInt32> labels, int classes) {
    PrismTensors.require(classes > 0,
        "PRM deep supervision: expected a positive class count, found " + classes);
    return apply(tf, prmLogits,
        tf.oneHot(labels, tf.constant(classes), tf.constant(1f), tf.constant(0f)));
  }

  /** The level weights. */
  public PrmWeights weights() {
    return weights;
  }
}
