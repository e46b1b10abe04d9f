package org.delineo.losses.semsim;

import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SemSim's unlabeled loss terms and the total objective (Eq. 18–19 plus UniMatch's feature
 * perturbation): L = ½(λ_s·L_s + λ_u·L_u + λ_intra·L_intra + λ_cross·L_cross + λ_fp·L_fp), by default
 * ½(L_s + 0.5·L_u + 0.25·L_intra + 0.25·L_cross + 0.5·L_fp).
 *
 * <p>L_fp is not in SemSim's Eq. 19, but the paper trains with channel-dropout feature perturbation
 * (§IV-B, p = 0.5); its weight 0.5 is UniMatch's for loss_fp, next to UniMatch's 0.25 + 0.25 on the
 * two strong views, whose sum SemSim's λ_u = 0.5 on one strong view matches. The paper's own terms
 * keep their published weights; λ_fp = 0 gives Eq. 19 exactly.
 *
 * <p>Weak-view inputs are always stopped. Which strong view feeds which term is the caller's choice;
 * the paper's best setting (Table VI) is L_u and L_intra on strong view 1, L_cross on strong view 2.
 */
public final class SemSimLosses {
  private final SemSimSettings settings;
  private final ConfidenceMaskedDice dice;
  private final AffinityRefinement refinement;
  private final CrossImagePrototypes cross;

  /**
   * Terms built from {@code settings}: the affinity refinement in {@code settings.orientation()} with
   * PyTorch's half-pixel bilinear I(·), the uncertainty weight Ū without gradient.
   */
  public SemSimLosses(SemSimSettings settings, int classes) {
    this.settings = settings;
    this.dice = new ConfidenceMaskedDice(settings.tau(), settings.softPseudoLabels());
    this.refinement = new AffinityRefinement(settings.orientation(), ResizeMode.HALF_PIXEL);
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
   * @param featurePerturbation L_fp, UniMatch's feature-perturbation Dice (null when off)
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
   * pixels kept where the <em>unrefined</em> weak prediction is confident.
   *
   * <p>Targets: the argmax of p^w_1 (or p^w_1 itself with soft pseudo-labels), as Eq. 6 writes
   * L_dice(p^w_1, p_in); both refined predictions are compared as distributions
   * ({@link AffinityRefinement#asDistribution}, i.e. (p + M·p)/2 under ROW_AVERAGE).
   *
   * <p>Mask: 1(max_c I(p^w) ≥ τ), I(p^w) the weak decoder probabilities brought to the feature
   * resolution (the prediction the refinement starts from); this is the FixMatch L_u mask, at the
   * feature resolution. Thresholding p^w_1 instead, as reference-methods.md §5.3 transcribes Eq. 6,
   * trains almost nothing: f̃ is post-ReLU, so cosines lie in [0, 1] and the softmax weights of a row
   * of M differ by at most a factor e; M·p is then close to the image's mean prediction, and
   * (p + M·p)/2 exceeds 0.95 only where that mean does, i.e. on background-dominated images. The
   * article's code thresholds the weak prediction p^w, which is what is done here.
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
    Operand<TFloat32> weak = tf.stopGradient(weakProbs);
    Operand<TFloat32> student = AffinityRefinement.asDistribution(tf,
        refinement.refine(tf, strongProbs, strongFeatures));
    Operand<TFloat32> refinedWeak = AffinityRefinement.asDistribution(tf, refinement.refine(
        tf, weak, tf.stopGradient(weakFeatures)));
    return dice.apply(tf, student, refinedWeak, refinement.resized(tf, weak, weakFeatures), validMask);
  }

  /**
   * The fraction of (valid) feature positions L_intra keeps: those where max_c I(p^w) ≥ τ (see
   * {@link #intra}); a diagnostic without gradient.
   *
   * @param weakProbs decoder probabilities of the weak view [B_u, H, W, K]
   * @param weakFeatures f̃ of the weak view [B_u, h, w, D] (only its size is used)
   * @param validMask [B_u, H, W] usable pixels or null
   */
  public Operand<TFloat32> intraKeptFraction(Ops tf, Operand<TFloat32> weakProbs,
      Operand<TFloat32> weakFeatures, Operand<TFloat32> validMask) {
    return dice.keptFraction(tf,
        refinement.resized(tf, tf.stopGradient(weakProbs), weakFeatures), validMask);
  }

  /** The affinity refinement of L_intra (orientation from the settings). */
  public AffinityRefinement refinement() {
    return refinement;
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
