/**
 * What a run writes besides checkpoints: the run directory, TensorBoard event files, provenance,
 * the progress display, the non-finite-loss guard and the TensorFlow session settings.
 *
 * <p>May depend on: {@code graph}, {@code proto}, {@code training.config}.
 */
package org.delineo.training.run;
