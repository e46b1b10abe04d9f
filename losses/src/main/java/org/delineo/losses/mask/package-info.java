/**
 * Mask2Former / MaskFormer loss building blocks: matching, point sampling, point losses.
 *
 * <p>May depend on: {@code graph}, {@code graph.layers}.
 */
package org.delineo.losses.mask;
