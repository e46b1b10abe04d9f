/**
 * Scene backbones (ResNetV1c, HRNetV2, SegFormer's Mix Transformer, SegNeXt's MSCAN, the Swin
 * Transformer) with mmseg-compatible variable names, so pretrained state dicts load by name.
 *
 * <p>May depend on: {@code graph}, {@code graph.init}, {@code graph.layers}.
 */
package org.delineo.graph.backbones;
