/**
 * File formats for training data: NIfTI-1 volumes ({@link
 * org.delineo.training.data.io.NiftiReader}, {@link org.delineo.training.data.io.NiftiWriter}),
 * NumPy arrays ({@link org.delineo.training.data.io.NpyReader}, {@link
 * org.delineo.training.data.io.NpyWriter}) and PNG/JPEG images ({@link
 * org.delineo.training.data.io.ImageReader}, {@link org.delineo.training.data.io.ImageWriter}).
 * Readers report every bad file as a {@link org.delineo.training.data.io.DataFileException} naming
 * the file; writers write atomically and durably through {@link org.delineo.graph.io.SafeFiles}.
 *
 * <p>May depend on: {@code graph}, {@code graph.io}.
 */
package org.delineo.training.data.io;
