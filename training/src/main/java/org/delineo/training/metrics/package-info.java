/**
 * Metrics and their records: confusion matrices, IoU and Dice, BraTS regions, surface distances,
 * early stopping, metric tables and the metrics log.
 *
 * <p>May depend on: {@code graph}, {@code graph.io}, {@code proto}, {@code training.run}.
 */
package org.delineo.training.metrics;
