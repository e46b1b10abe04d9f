/**
 * SemSim's U-Net with the Spatial-aware Fusion Module (windowed cross-attention between the two
 * views' features).
 *
 * <p>May depend on: {@code graph}, {@code graph.layers}, {@code graph.model}, {@code
 * graph.models.unet}.
 */
package org.delineo.graph.models.semsim;
