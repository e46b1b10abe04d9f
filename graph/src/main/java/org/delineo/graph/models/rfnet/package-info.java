/**
 * PRISM's RFNet: per-modality 3D encoders, region-aware fusion, the separate and fused decoders
 * and the outputs PRISM's distillation reads.
 *
 * <p>May depend on: {@code graph}, {@code graph.init}, {@code graph.layers}, {@code graph.model}.
 */
package org.delineo.graph.models.rfnet;
