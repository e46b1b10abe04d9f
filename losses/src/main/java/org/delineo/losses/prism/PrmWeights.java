package org.delineo.losses.prism;

import java.util.Arrays;

/**
 * Weights of the PRM deep-supervision levels: level 0 (full resolution) takes the start weight and
 * each coarser level half of the previous one (reference-methods.md §4.8, decision PR-1). The
 * reference halves before use, so the default start is 0.5: 0.5, 0.25, 0.125, 0.0625 for RFNet's
 * four PRMs (0.03125 for a fifth). Starting at 1.0 gives the PRISM loss diagram's 1.0 … 0.0625.
 *
 * <pre>{@code
 * PrmWeights.halving(0.5f, 4).toArray();   // {0.5, 0.25, 0.125, 0.0625}
 * }</pre>
 */
public final class PrmWeights {
  /** The reference's effective first weight (1.0 halved before use). */
  public static final float DEFAULT_START = 0.5f;

  private final float[] weights;

  private PrmWeights(float[] weights) {
    this.weights = weights;
  }

  /**
   * start, start/2, start/4, … for {@code levels} levels.
   *
   * @throws org.delineo.graph.DelineoException unless start is finite and non-negative and levels
   *     positive
   */
  public static PrmWeights halving(float start, int levels) {
    PrismTensors.require(start >= 0f && Float.isFinite(start),
        "PRM start weight must be finite and non-negative, found " + start);
    PrismTensors.require(levels > 0, "PRM levels: expected a positive count, found " + levels);
    float[] w = new float[levels];
    for (int l = 0; l < levels; l++) {
      // Exact in float: a power-of-two scaling.
      w[l] = Math.scalb(start, -l);
    }
    return new PrmWeights(w);
  }

  /** The same weight on every level (original RFNet: 1 per PRM; the uniform-prm-weights ablation). */
  public static PrmWeights uniform(float weight, int levels) {
    PrismTensors.require(weight >= 0f && Float.isFinite(weight),
        "PRM weight must be finite and non-negative, found " + weight);
    PrismTensors.require(levels > 0, "PRM levels: expected a positive count, found " + levels);
    float[] w = new float[levels];
    java.util.Arrays.fill(w, weight);
    return new PrmWeights(w);
  }

  /** The reference weights 0.5, 0.25, … for {@code levels} levels. */
  public static PrmWeights reference(int levels) {
    return halving(DEFAULT_START, levels);
  }

  /**
   * The weight of level {@code level} (0 = full resolution).
   *
   * @throws org.delineo.graph.DelineoException outside [0, levels)
   */
  public float get(int level) {
    PrismTensors.require(level >= 0 && level < weights.length,
        "PRM level: expected 0.." + (weights.length - 1) + ", found " + level);
    return weights[level];
  }

  /** The number of levels. */
  public int levels() {
    return weights.length;
  }

  /** A copy of all weights, level 0 first. */
  public float[] toArray() {
    return weights.clone();
  }

  @Override
  public String toString() {
    return "PrmWeights" + Arrays.toString(weights);
  }
}
