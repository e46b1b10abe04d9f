/**
 * Decode heads (ASPP, pyramid pooling, FCN, SegFormer all-MLP) and the conv-norm-activation blocks
 * they share, mirroring mmseg's heads; Mask2Former's pixel decoder (multi-scale deformable
 * attention encoder and FPN fusion, mmdet's {@code MSDeformAttnPixelDecoder}).
 *
 * <p>May depend on: {@code graph}, {@code graph.init}, {@code graph.layers}.
 */
package org.delineo.graph.heads;
