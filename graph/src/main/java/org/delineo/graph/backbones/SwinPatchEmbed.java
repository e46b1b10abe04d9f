package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.LayerNorm;
import org.delineo.graph.layers.Padding;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Swin's patch embedding, mmseg's {@code PatchEmbed} as {@code SwinTransformer} builds it
 * ({@code padding='corner'}, {@code patch_norm=True}): the image is zero-padded at the bottom and
 * right to a multiple of the patch size, a p × p convolution with stride p and bias
 * ({@code <name>.projection}) turns each patch into one token, and a LayerNorm ({@code <name>.norm},
 * eps 1e-5) follows. Output size ceil(H / p) × ceil(W / p).
 */
final class SwinPatchEmbed extends Module implements Layer {
  private final int patchSize;
  private final Conv2d projection;
  private final LayerNorm norm;

  /**
   * @param name module path, e.g. {@code backbone.patch_embed}
   * @param embedDims output channels
   * @param patchSize patch side p (Swin: 4)
   */
  SwinPatchEmbed(String name, int embedDims, int patchSize) {
    super(name);
    this.patchSize = patchSize;
    this.projection = Conv2d.builder(child("projection"), embedDims).kernel(patchSize).stride(patchSize)
        .padding(Padding.VALID).bias(true).init(SwinInits.torchDefaultConv()).build();
    this.norm = new LayerNorm(child("norm"));
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    return norm.apply(ctx, projection.apply(ctx, SwinWindows.padBottomRight(ctx.tf(), input, patchSize)));
  }
}
