package org.delineo.losses.semsim;

/**
 * SemSim's loss settings, a plain mirror of {@code SemSimConfig} in
 * {@code proto/src/main/proto/delineo/strategy.proto} (same fields, same defaults), so the losses
 * module needs no protobuf.
 *
 * @param tau confidence threshold of the weak pseudo-labels (0.95)
 * @param lambdaS weight of the supervised loss (1)
 * @param lambdaU weight of the weak-to-strong Dice consistency (0.5)
 * @param lambdaIntra weight of the intra-image affinity consistency (0.25)
 * @param lambdaCross weight of the cross-image prototype consistency (0.25)
 * @param r sharpness of the uncertainty weight exp(−r·U) (1000)
 * @param subRegions N sub-regions of the labeled feature map, a perfect square (4 = 2 × 2)
 * @param lambdaFp weight of the feature-perturbation consistency L_fp (0.5, UniMatch's; 0 = off)
 * @param fpDropout channel-dropout rate of the feature perturbation (0.5; applied by the strategy)
 * @param softPseudoLabels soft weak predictions as Dice targets instead of argmax (false)
 * @param orientation matmul orientation of the intra-image refinement, Eq. 5 (ROW_AVERAGE)
 */
public record SemSimSettings(float tau, float lambdaS, float lambdaU, float lambdaIntra,
    float lambdaCross, float r, int subRegions, float lambdaFp, float fpDropout,
    boolean softPseudoLabels, AffinityRefinement.Orientation orientation) {

  /** Validates every field; the message names the field, the expectation and the value. */
  public SemSimSettings {
    SemSimTensors.require(tau >= 0f && tau <= 1f, "semsim tau: expected [0, 1], found " + tau);
    nonNegative("lambda_s", lambdaS);
    nonNegative("lambda_u", lambdaU);
    nonNegative("lambda_intra", lambdaIntra);
    nonNegative("lambda_cross", lambdaCross);
    nonNegative("lambda_fp", lambdaFp);
    nonNegative("r", r);
    int g = (int) Math.round(Math.sqrt(subRegions));
    SemSimTensors.require(subRegions >= 1 && g * g == subRegions,
        "semsim sub_regions: expected a perfect square ≥ 1, found " + subRegions);
    SemSimTensors.require(fpDropout >= 0f && fpDropout < 1f,
        "semsim fp_dropout: expected [0, 1), found " + fpDropout);
    SemSimTensors.require(orientation != null, "semsim affinity_orientation: must be set");
  }

  /** The paper's settings (SemSimConfig's defaults). */
  public static SemSimSettings defaults() {
    return new SemSimSettings(0.95f, 1f, 0.5f, 0.25f, 0.25f, 1000f, 4, 0.5f, 0.5f, false,
        AffinityRefinement.Orientation.ROW_AVERAGE);
  }

  private static void nonNegative(String field, float value) {
    SemSimTensors.require(value >= 0f && Float.isFinite(value),
        "semsim " + field + ": expected a finite value ≥ 0, found " + value);
  }
}
