/**
 * The contract between a segmentation network and the code that trains, evaluates and exports it:
 * inputs, outputs (main and auxiliary logits, features) and {@link
 * org.delineo.graph.model.SegmentationModel}.
 *
 * <p>May depend on: {@code graph}.
 */
package org.delineo.graph.model;
