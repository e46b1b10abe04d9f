package org.delineo.training.strategy;

/**
 * Which of SemSim's optional terms a run trains with; the supervised and FixMatch terms are always
 * on. The ablations {@code no-intra} and {@code no-cross} switch one similarity term off;
 * {@code fixmatch-only} switches off all three, leaving plain FixMatch.
 *
 * @param intra the intra-image affinity consistency L_intra
 * @param cross the cross-image prototype consistency L_cross
 * @param featurePerturbation the channel-dropout feature-perturbation consistency L_fp
 */
public record SemSimTerms(boolean intra, boolean cross, boolean featurePerturbation) {
  /** Every term, the paper's method with its feature perturbation. */
  public static final SemSimTerms ALL = new SemSimTerms(true, true, true);
}
