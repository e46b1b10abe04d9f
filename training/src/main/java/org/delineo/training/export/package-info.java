/**
 * Exporting a trained model for TF Serving: {@link org.delineo.training.export.ModelExport} rebuilds
 * an experiment's PREDICT graph ({@link org.delineo.training.export.ExportInput}), restores a
 * checkpoint or state dict into it, adds warm-up requests
 * ({@link org.delineo.training.export.WarmupSamples}) and the model's config and provenance
 * ({@link org.delineo.training.export.ExportProvenance}), and writes the version through the
 * serving module's {@link org.delineo.serving.SavedModelExporter}.
 *
 * <p>Direction: this package uses {@code train}, {@code wiring}, {@code data}, {@code config},
 * {@code run} and the serving module; only the command line ({@code cli}) uses it.
 */
package org.delineo.training.export;
