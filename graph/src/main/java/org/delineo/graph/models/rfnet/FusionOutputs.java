package org.delineo.graph.models.rfnet;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What the fusion decoder returns, as PASSION's {@code Decoder_fuse.forward}.
 *
 * @param logits fused logits [B, D, H, W, K] at input resolution
 * @param prmLogits PRM logits per level, finest first, each at its level's own resolution
 * @param decoderFeatures {@code de_x1 … de_xL}: de_x1 is the last map before {@code seg_layer}
 *     (input resolution, b channels); de_x(l) for l ≥ 2 is the upsampled map entering level l − 1
 *     (that level's resolution and width)
 */
public record FusionOutputs(
    Operand<TFloat32> logits, List<Operand<TFloat32>> prmLogits,
    List<Operand<TFloat32>> decoderFeatures) {

  public FusionOutputs {
    prmLogits = List.copyOf(prmLogits);
    decoderFeatures = List.copyOf(decoderFeatures);
  }
}
