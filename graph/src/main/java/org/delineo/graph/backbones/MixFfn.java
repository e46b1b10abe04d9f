package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DepthwiseConv2d;
import org.delineo.graph.layers.DropPath;
import org.delineo.graph.layers.Padding;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * SegFormer's Mix-FFN, mmseg's {@code MixFFN}: a 1 × 1 conv to the hidden width
 * ({@code <name>.layers.0}), a depthwise 3 × 3 conv with padding 1 that gives the tokens their
 * position ({@code <name>.layers.1}), the exact GELU, a 1 × 1 conv back ({@code <name>.layers.4});
 * indices 2, 3 and 5 of mmseg's {@code Sequential} are the activation and two dropouts (rate 0,
 * no variables). Returns {@code identity + DropPath(ffn(x))}, the residual included, as mmseg's
 * does.
 */
final class MixFfn extends Module {
  private final Conv2d fc1;
  private final DepthwiseConv2d positional;
  private final Conv2d fc2;
  private final DropPath dropPath;

  /**
   * @param name module path, e.g. {@code backbone.layers.0.1.0.ffn}
   * @param dim input and output width C
   * @param hidden hidden width (mlp_ratio · C)
   * @param dropPathRate stochastic-depth rate of the residual branch
   */
  MixFfn(String name, int dim, int hidden, float dropPathRate) {
    super(name);
    this.fc1 = Conv2d.builder(child("layers.0"), hidden).kernel(1).padding(Padding.VALID).bias(true)
        .init(MitInits.convFanOut()).build();
    this.positional = DepthwiseConv2d.builder(child("layers.1")).kernel(3).padding(Padding.of(1)).bias(true)
        .init(MitInits.depthwiseFanOut(3, 3)).build();
    this.fc2 = Conv2d.builder(child("layers.4"), dim).kernel(1).padding(Padding.VALID).bias(true)
        .init(MitInits.convFanOut()).build();
    this.dropPath = new DropPath(child("dropout_layer"), dropPathRate);
  }

  /**
   * @param x the normalised map [B, H, W, C]
   * @param identity the residual [B, H, W, C]
   */
  Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> x, Operand<TFloat32> identity) {
    Ops tf = ctx.tf();
    Operand<TFloat32> hidden = Activations.gelu(tf, positional.apply(ctx, fc1.apply(ctx, x)));
    return tf.math.add(identity, dropPath.apply(ctx, fc2.apply(ctx, hidden)));
  }
}
