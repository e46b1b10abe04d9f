package org.delineo.training.strategy;

/**
 * Which of SemSim's similarity terms a run trains with; the supervised and FixMatch terms are
 * always on. The ablations {@code no-intra}, {@code no-cross} and {@code fixmatch-only} switch
 * these off.
 *
 * @param intra the intra-image affinity consistency L_intra
 * @param cross the cross-image prototype consistency L_cross
 */
public record SemSimTerms(boolean intra, boolean cross) {
  /** Both terms, the paper's method. */
  public static final SemSimTerms ALL = new SemSimTerms(true, true);
}
