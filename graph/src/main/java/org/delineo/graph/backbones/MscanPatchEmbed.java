package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's MSCAN {@code OverlapPatchEmbed} of stages 2-4: a 3 × 3 / 2 conv {@code proj} (padding
 * 3 // 2 = 1, with bias) halving the resolution, then batch norm {@code norm}.
 */
final class MscanPatchEmbed extends Module implements Layer {
  private final Conv2d proj;
  private final BatchNorm norm;

  /** @param outChannels the stage's width */
  MscanPatchEmbed(String name, int outChannels) {
    super(name);
    this.proj = MscanConvs.dense(child("proj"), outChannels, 3, 3, 2, 1, 1);
    this.norm = new BatchNorm(child("norm"));
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    return norm.apply(ctx, proj.apply(ctx, input));
  }
}
