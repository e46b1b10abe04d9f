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
 * The overlapping patch embedding that opens each Mix Transformer stage (mmseg's {@code PatchEmbed}
 * as {@code MixVisionTransformer} builds it): a k × k convolution with stride s and PyTorch padding
 * k // 2 ({@code <name>.projection}, with bias), then a LayerNorm over the channels
 * ({@code <name>.norm}). Output size floor((H + 2·(k // 2) − k) / s) + 1, i.e. ceil(H / s) for
 * odd k; the patches overlap because k > s.
 */
final class OverlapPatchEmbed extends Module implements Layer {
  private final Conv2d projection;
  private final LayerNorm norm;

  /**
   * @param name module path, e.g. {@code backbone.layers.0.0}
   * @param embedDims output channels
   * @param patchSize kernel size k
   * @param stride stride s
   * @param eps the LayerNorm's epsilon
   */
  OverlapPatchEmbed(String name, int embedDims, int patchSize, int stride, float eps) {
    super(name);
    // Explicit zero padding, not TF SAME: PyTorch pads k // 2 on every side, SAME would pad
    // asymmetrically for stride > 1 and shift every patch of imported weights.
    this.projection = Conv2d.builder(child("projection"), embedDims).kernel(patchSize).stride(stride)
        .padding(Padding.of(patchSize / 2)).bias(true).init(MitInits.convFanOut()).build();
    this.norm = new LayerNorm(child("norm"), eps);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    return norm.apply(ctx, projection.apply(ctx, input));
  }
}
