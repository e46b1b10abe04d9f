/**
 * Loss terms for semantic segmentation (cross-entropy, Dice, focal, Lovasz, boundary, OHEM
 * sampling) as graph builders with mmseg's reductions and ignore-index handling.
 *
 * <p>May depend on: {@code graph}, {@code graph.gradients}, {@code graph.layers}.
 */
package org.delineo.losses;
