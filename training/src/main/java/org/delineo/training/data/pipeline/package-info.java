/**
 * From datasets to training and evaluation inputs: the batch loader, semi-supervised views,
 * dataset construction from the config, input normalisation and the data checks run before
 * anything is written.
 *
 * <p>May depend on: {@code graph}, {@code proto}, {@code training.config}, {@code training.data},
 * {@code training.data.augment}, {@code training.data.brats}, {@code training.data.io}.
 */
package org.delineo.training.data.pipeline;
