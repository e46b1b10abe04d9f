/**
 * Exporting a trained model for TF Serving: {@link org.delineo.training.export.ModelExport} rebuilds
 * an experiment's PREDICT graph ({@link org.delineo.training.export.ExportInput}), restores a
 * checkpoint or state dict into it, adds warm-up requests
 * ({@link org.delineo.training.export.WarmupSamples}) and the model's config and provenance
 * ({@link org.delineo.training.export.ExportProvenance}), and writes the version through the
 * serving module's {@link org.delineo.serving.SavedModelExporter}.
 *
 * <p>Only the command line ({@code cli}) uses this package.
 *
 * <p>May depend on: {@code graph}, {@code graph.model}, {@code proto}, {@code serving}, {@code
 * training.config}, {@code training.data}, {@code training.data.pipeline}, {@code
 * training.data.synth}, {@code training.eval}, {@code training.run}, {@code training.wiring}.
 */
package org.delineo.training.export;
