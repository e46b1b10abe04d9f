package org.delineo.losses.semsim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SemSim's unlabeled loss terms and the total objective (Eq. 18–19):
 * L = ½(λ_s·L_s + λ_u·L_u + λ_intra·L_intra + λ_cross·L_cross + λ_fp·L_fp).
 *
 * <p>Weak-view inputs are always stopped. Which strong view feeds which term is the caller's choice;
 * the paper's best setting (Table VI) is L_u and L_intra on strong view 1, L_cross on strong view 2.
 */
public final class SemSimLosses {
  private final SemSimSettings settings;
  private final ConfidenceMaskedDice dice;
  private final AffinityRefinement refinement;
  private final CrossImagePrototypes cross;

  /** Terms built from {@code settings}, the default affinity refinement, uncertainty without gradient. */
  public SemSimLosses(SemSimSettings settings, int classes) {
    this(settings, classes, AffinityRefinement.defaults());
  }

  /** As {@link #SemSimLosses(SemSimSettings, int)} with a chosen affinity refinement. */
  public SemSimLosses(SemSimSettings settings, int classes, AffinityRefinement refinement) {
    this.settings = settings;
    this.dice = new ConfidenceMaskedDice(settings.tau(), settings.softPseudoLabels());
    this.refinement = refinement;
    this.cross = new CrossImagePrototypes(classes, settings.subRegions(), settings.r(),
        settings.tau(), true);
  }

  /**
   * The unweighted terms of one step; a null term is left out of the total (ablations).
   *
   * @param supervised L_s = ½(CE + Dice) on the labeled batch
   * @param fixMatch L_u
   * @param intra L_intra
   * @param cross L_cross
   * @param featurePerturbation L_fp (UniMatch's), usually null for SemSim
   */
  public record Terms(Operand<TFloat32> supervised, Operand<TFloat32> fixMatch,
      Operand<TFloat32> intra, Operand<TFloat32> cross, Operand<TFloat32> featurePerturbation) {}

  /** L_u (Eq. 3): confidence-masked Dice of strong-view against weak-view probabilities. */
  public Operand<TFloat32> fixMatch(Ops tf, Operand<TFloat32> strongProbs, Operand<TFloat32> weakProbs,
      Operand<TFloat32> validMask) {
    return dice.apply(tf, strongProbs, weakProbs, validMask);
  }

  /**
   * L_intra (Eq. 6): the refined strong prediction p_in against the refined weak prediction p^w_1,
   * both as distributions ({@link AffinityRefinement#asDistribution}) so that τ keeps its meaning.
   *
   * @param strongProbs decoder probabilities of strong view 1 [B_u, H, W, K]
   * @param strongFeatures f̃ of strong view 1 [B_u, h, w, D]
   * @param weakProbs decoder probabilities of the weak view [B_u, H, W, K] (stopped)
   * @param weakFeatures f̃ of the weak view [B_u, h, w, D] (stopped)
   * @param validMask [B_u, H, W] usable pixels or null
   */
  public Operand<TFloat32> intra(Ops tf, Operand<TFloat32> strongProbs,
      Operand<TFloat32> strongFeatures, Operand<TFloat32> weakProbs, Operand<TFloat32> weakFeatures,
      Operand<TFloat32> validMask) {
    Operand<TFloat32> student = AffinityRefinement.asDistribution(tf,
        refinement.refine(tf, strongProbs, strongFeatures));
    Operand<TFloat32> weak = AffinityRefinement.asDistribution(tf, refinement.refine(
        tf, tf.stopGradient(weakProbs), tf.stopGradient(weakFeatures)));
    return dice.apply(tf, student, weak, validMask);
  }

  /** L_cross (Eq. 13); see {@link CrossImagePrototypes#loss}. */
  public Operand<TFloat32> cross(Ops tf, Operand<TFloat32> labeledFeatures, Operand<TInt32> labels,
      Operand<TFloat32> strongFeatures, Operand<TFloat32> weakProbs, Operand<TFloat32> validMask) {
    return cross.loss(tf, labeledFeatures, labels, strongFeatures, weakProbs, validMask);
  }

  /** L = ½(λ_s·L_s + λ_u·L_u + λ_intra·L_intra + λ_cross·L_cross + λ_fp·L_fp), null terms left out. */
  public Operand<TFloat32> total(Ops tf, Terms terms) {
    Operand<TFloat32> sum = tf.constant(0f);
    sum = addWeighted(tf, sum, settings.lambdaS(), terms.supervised());
    sum = addWeighted(tf, sum, settings.lambdaU(), terms.fixMatch());
    sum = addWeighted(tf, sum, settings.lambdaIntra(), terms.intra());
    sum = addWeighted(tf, sum, settings.lambdaCross(), terms.cross());
    sum = addWeighted(tf, sum, settings.lambdaFp(), terms.featurePerturbation());
    return tf.math.mul(tf.constant(0.5f), sum);
  }

  private static Operand<TFloat32> addWeighted(Ops tf, Operand<TFloat32> sum, float weight,
      Operand<TFloat32> term) {
    if (term == null || weight == 0f) {
      return sum;
    }
    return tf.math.add(sum, tf.math.mul(tf.constant(weight), term));
  }

  /** The settings in use. */
  public SemSimSettings settings() {
    return settings;
  }
}
