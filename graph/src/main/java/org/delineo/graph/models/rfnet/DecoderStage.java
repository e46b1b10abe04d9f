package org.delineo.graph.models.rfnet;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The three convs both RFNet decoders use at level l (width C): {@code d<l>_c1} (3×3, from the
 * level below, after ×2 trilinear upsampling), {@code d<l>_c2} (3×3, 2C → C, on the concatenation)
 * and {@code d<l>_out} (1×1, C → C). The names are siblings in the decoder, as in PyTorch.
 */
final class DecoderStage {
  private final GeneralConv3d c1;
  private final GeneralConv3d c2;
  private final GeneralConv3d out;

  DecoderStage(String decoderName, int level, int width, float leakySlope) {
    String d = decoderName + ".d" + level;
    this.c1 = new GeneralConv3d(d + "_c1", width, 3, 1, leakySlope);
    this.c2 = new GeneralConv3d(d + "_c2", width, 3, 1, leakySlope);
    this.out = new GeneralConv3d(d + "_out", width, 1, 1, leakySlope);
  }

  /** {@code d<l>_c1} of the ×2 upsampled map from the level below. */
  Operand<TFloat32> up(GraphContext ctx, Operand<TFloat32> below) {
    return c1.apply(ctx, upsample2(ctx.tf(), below));
  }

  /** {@code d<l>_out}({@code d<l>_c2}(concat(first, second))). */
  Operand<TFloat32> merge(GraphContext ctx, Operand<TFloat32> first, Operand<TFloat32> second) {
    Operand<TFloat32> cat = ctx.tf().concat(List.of(first, second), ctx.tf().constant(4));
    return out.apply(ctx, c2.apply(ctx, cat));
  }

  /** PyTorch's Upsample(scale_factor=2, mode='trilinear', align_corners=True). */
  static Operand<TFloat32> upsample2(Ops tf, Operand<TFloat32> x) {
    Shape s = x.shape();
    return Resize.trilinear3d(
        tf, x, 2 * s.get(1), 2 * s.get(2), 2 * s.get(3), ResizeMode.ALIGN_CORNERS);
  }
}
