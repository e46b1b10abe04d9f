package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.DropPath;
import org.tensorflow.Operand;
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
  private final ConvFfn ffn;
  private final DropPath dropPath;

  /**
   * @param name module path, e.g. {@code backbone.layers.0.1.0.ffn}
   * @param dim input and output width C
   * @param hidden hidden width (mlp_ratio · C)
   * @param dropPathRate stochastic-depth rate of the residual branch
   */
  MixFfn(String name, int dim, int hidden, float dropPathRate) {
    super(name);
    this.ffn = new ConvFfn(name, dim, hidden, "layers.0", "layers.1", "layers.4");
    this.dropPath = new DropPath(child("dropout_layer"), dropPathRate);
  }

  /**
   * @param x the normalised map [B, H, W, C]
   * @param identity the residual [B, H, W, C]
   */
  Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> x, Operand<TFloat32> identity) {
    return ctx.tf().math.add(identity, dropPath.apply(ctx, ffn.apply(ctx, x)));
  }
}
