package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.DropPath;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Swin's feed-forward network, mmcv's {@code FFN} with two layers as mmseg's {@code SwinBlock}
 * builds it: Linear to the hidden width ({@code <name>.layers.0.0}), the exact GELU, Linear back
 * ({@code <name>.layers.1}); the dropouts of mmcv's {@code Sequential} have rate 0 and no
 * variables. Returns {@code identity + DropPath(ffn(x))} ({@code <name>.dropout_layer}), the
 * residual included, as mmcv's {@code add_identity=True} does.
 */
final class SwinFfn extends Module {
  private final Linear fc1;
  private final Linear fc2;
  private final DropPath dropPath;

  /**
   * @param name module path, e.g. {@code backbone.stages.0.blocks.0.ffn}
   * @param dim input and output width C
   * @param hidden hidden width (mlp_ratio · C)
   * @param dropPathRate stochastic-depth rate of the residual branch
   */
  SwinFfn(String name, int dim, int hidden, float dropPathRate) {
    super(name);
    this.fc1 = new Linear(child("layers.0.0"), hidden, true, SwinInits.linear());
    this.fc2 = new Linear(child("layers.1"), dim, true, SwinInits.linear());
    this.dropPath = new DropPath(child("dropout_layer"), dropPathRate);
  }

  /**
   * @param x the normalised map [B, H, W, C]
   * @param identity the residual [B, H, W, C]
   */
  Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> x, Operand<TFloat32> identity) {
    Operand<TFloat32> hidden = Activations.gelu(ctx.tf(), fc1.apply(ctx, x));
    return ctx.tf().math.add(identity, dropPath.apply(ctx, fc2.apply(ctx, hidden)));
  }
}
