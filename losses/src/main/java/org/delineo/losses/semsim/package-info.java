/**
 * SemSim's semi-supervised losses: affinity refinement, cross-image prototypes and confidence-
 * masked Dice.
 *
 * <p>May depend on: {@code graph}, {@code graph.layers}.
 */
package org.delineo.losses.semsim;
