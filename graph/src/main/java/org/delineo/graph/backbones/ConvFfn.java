package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DepthwiseConv2d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The convolutional feed-forward block SegFormer's Mix-FFN and MSCAN's {@code Mlp} share: a 1 × 1
 * conv to the hidden width → a depthwise 3 × 3 conv (padding 1) → exact GELU → a 1 × 1 conv back,
 * all with biases and mmseg's fan-out normal init; no activation between the first conv and the
 * depthwise one. Dropouts are rate 0 in every reference config, so they are not built. Only the
 * child names differ between the two references; the caller gives them.
 */
final class ConvFfn extends Module {
  private final Conv2d fc1;
  private final DepthwiseConv2d dwconv;
  private final Conv2d fc2;

  /**
   * @param name module path, e.g. {@code backbone.block1.0.mlp} or {@code backbone.layers.0.1.0.ffn}
   * @param channels input and output width C
   * @param hidden hidden width (mlp_ratio · C)
   * @param names the three convs' child names: MSCAN {@code fc1, dwconv, fc2}; MiT's {@code Sequential}
   *     indices {@code layers.0, layers.1, layers.4}
   */
  ConvFfn(String name, int channels, int hidden, String... names) {
    super(name);
    this.fc1 = MscanConvs.pointwise(child(names[0]), hidden);
    this.dwconv = MscanConvs.depthwise(child(names[1]), 3, 3, 1, 1);
    this.fc2 = MscanConvs.pointwise(child(names[2]), channels);
  }

  /** The block on an NHWC map (no residual). */
  Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x = Activations.gelu(ctx.tf(), dwconv.apply(ctx, fc1.apply(ctx, input)));
    return fc2.apply(ctx, x);
  }
}
