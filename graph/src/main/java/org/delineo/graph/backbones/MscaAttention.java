package org.delineo.graph.backbones;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DepthwiseConv2d;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's {@code MSCAAttention}, the multi-scale convolutional attention: a depthwise k × k conv
 * {@code conv0} (padding k // 2), then per strip length s_i a depthwise 1 × s_i conv
 * {@code conv<i>_1} (padding (0, s_i // 2)) followed by a depthwise s_i × 1 conv {@code conv<i>_2}
 * (padding (s_i // 2, 0)) on conv0's output; conv0's output plus the branches go through the 1 × 1
 * {@code conv3} (channel mixing), and the result gates the input elementwise. SegNeXt: k = 5,
 * strips 7, 11, 21.
 */
final class MscaAttention extends Module implements Layer {
  private final DepthwiseConv2d conv0;
  private final List<DepthwiseConv2d[]> strips = new ArrayList<>();
  private final Conv2d conv3;

  /**
   * @param channels the input width (conv3 keeps it)
   * @param squareKernel conv0's odd kernel size
   * @param stripLengths the odd strip lengths, one branch each
   */
  MscaAttention(String name, int channels, int squareKernel, int[] stripLengths) {
    super(name);
    this.conv0 = MscanConvs.depthwise(child("conv0"), squareKernel, squareKernel, squareKernel / 2, squareKernel / 2);
    for (int i = 0; i < stripLengths.length; i++) {
      int s = stripLengths[i];
      strips.add(new DepthwiseConv2d[] {
        MscanConvs.depthwise(child("conv" + i + "_1"), 1, s, 0, s / 2),
        MscanConvs.depthwise(child("conv" + i + "_2"), s, 1, s / 2, 0)
      });
    }
    this.conv3 = MscanConvs.pointwise(child("conv3"), channels);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    Operand<TFloat32> attn = conv0.apply(ctx, input);
    // mmseg sums attn + attn_0 + attn_1 + attn_2 left to right; keep that order.
    Operand<TFloat32> sum = attn;
    for (DepthwiseConv2d[] branch : strips) {
      sum = tf.math.add(sum, branch[1].apply(ctx, branch[0].apply(ctx, attn)));
    }
    return tf.math.mul(conv3.apply(ctx, sum), input);
  }
}
