/**
 * What a run writes besides checkpoints: the run directory, TensorBoard event files, provenance,
 * the progress display, the non-finite-loss guard and the TensorFlow session settings.
 *
 * <p>May depend on: {@code graph}, {@code graph.gradients} (oneDNN's instruction-set names),
 * {@code graph.io}, {@code proto}, {@code serving}, {@code
 * training.config}.
 */
package org.delineo.training.run;
