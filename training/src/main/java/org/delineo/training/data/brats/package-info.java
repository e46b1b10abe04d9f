/**
 * BraTS specifics: preprocessing, the preprocessed-case dataset, the missing-modality masks and
 * split files, and a case directory as a prediction input.
 *
 * <p>May depend on: {@code graph}, {@code graph.io}, {@code proto}, {@code training.config},
 * {@code training.data}, {@code training.data.io}.
 */
package org.delineo.training.data.brats;
