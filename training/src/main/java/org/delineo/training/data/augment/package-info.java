/**
 * Augmentations on samples (crops, flips, rotations, resizes, photometric changes, CutMix boxes)
 * and the translation of augmentation configs into them.
 *
 * <p>May depend on: {@code graph}, {@code proto}, {@code training.data}.
 */
package org.delineo.training.data.augment;
