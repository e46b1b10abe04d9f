package org.delineo.losses.mask;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The result of {@link UncertaintyPointSampler#sample}: the sampled points and what they were
 * chosen from, all without gradient. The candidates and their uncertainties are exposed so that a
 * caller (or a test) can see which points were judged most uncertain.
 *
 * @param points [M, P, 2] (x, y) in [0, 1): the most uncertain candidates first, in decreasing
 *     uncertainty, then the fresh uniform points
 * @param candidates [M, int(k·P), 2] the oversampled uniform candidates
 * @param candidateUncertainties [M, int(k·P)] −|logit| of each mask at each candidate
 */
public record UncertainPoints(
    Operand<TFloat32> points,
    Operand<TFloat32> candidates,
    Operand<TFloat32> candidateUncertainties) {}
