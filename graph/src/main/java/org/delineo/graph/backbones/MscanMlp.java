package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DepthwiseConv2d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's MSCAN {@code Mlp} on feature maps: 1 × 1 {@code fc1} to the hidden width → depthwise
 * 3 × 3 {@code dwconv} (padding 1) → GELU → 1 × 1 {@code fc2} back. There is no activation between
 * fc1 and the depthwise conv. mmseg's dropout sits after the GELU and fc2 with rate
 * {@code drop_rate}, 0 in every SegNeXt config, so it is not built.
 */
final class MscanMlp extends Module implements Layer {
  private final Conv2d fc1;
  private final DepthwiseConv2d dwconv;
  private final Conv2d fc2;

  MscanMlp(String name, int channels, int hidden) {
    super(name);
    this.fc1 = MscanConvs.pointwise(child("fc1"), hidden);
    this.dwconv = MscanConvs.depthwise(child("dwconv"), 3, 3, 1, 1);
    this.fc2 = MscanConvs.pointwise(child("fc2"), channels);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x = Activations.gelu(ctx.tf(), dwconv.apply(ctx, fc1.apply(ctx, input)));
    return fc2.apply(ctx, x);
  }
}
