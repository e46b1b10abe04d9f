/**
 * Training strategies: how a step's inputs are fed and its objective built (supervised, PRISM with
 * Meta-Drop, SemSim, Mask2Former's matched step), and its replication over data-parallel towers.
 *
 * <p>May depend on: {@code graph}, {@code graph.distribute}, {@code graph.heads}, {@code graph.init},
 * {@code graph.layers},
 * {@code graph.model}, {@code graph.models}, {@code graph.models.rfnet}, {@code graph.models.semsim},
 * {@code losses}, {@code losses.mask}, {@code losses.prism}, {@code losses.semsim}, {@code proto},
 * {@code training.config}, {@code training.data}, {@code training.data.augment}, {@code
 * training.data.brats}, {@code training.data.pipeline}, {@code training.optim}.
 */
package org.delineo.training.strategy;
