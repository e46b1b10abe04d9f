/**
 * Datasets: the sample type, the dataset contract, the on-disk layouts (Cityscapes, ACDC, ISIC,
 * PROMISE12, BraTS) and splits.
 *
 * <p>May depend on: {@code graph}, {@code graph.io}, {@code training.data.io}.
 */
package org.delineo.training.data;
