package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.Padding;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * HRNet's {@code nn.Sequential(conv (no bias), BN[, ReLU])} unit used in transitions and fuse
 * layers: the conv is {@code <name>.0}, the batch norm {@code <name>.1}, as in the mmseg state dict.
 */
final class HrConvBn extends Module implements Layer {
  private final Conv2d conv;
  private final BatchNorm bn;
  private final boolean relu;

  /**
   * @param kernel 1 or 3 (3×3 convs pad 1 on every side, as PyTorch's {@code padding=1})
   * @param stride 1 or 2
   * @param relu whether a ReLU follows the batch norm
   */
  HrConvBn(String name, int outChannels, int kernel, int stride, boolean relu) {
    super(name);
    this.conv = conv(child("0"), outChannels, kernel, stride);
    this.bn = new BatchNorm(child("1"));
    this.relu = relu;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> y = bn.apply(ctx, conv.apply(ctx, input));
    return relu ? Activations.relu(ctx.tf(), y) : y;
  }

  /**
   * A bias-free k×k conv with PyTorch's padding k/2. Explicit padding rather than TF SAME because
   * SAME with stride 2 on an even size pads only after (0, 1) where PyTorch pads (1, 1), which would
   * shift every strided output by one pixel relative to imported weights.
   */
  static Conv2d conv(String name, int outChannels, int kernel, int stride) {
    Padding padding = kernel == 1 ? Padding.VALID : Padding.of(kernel / 2);
    return Conv2d.builder(name, outChannels).kernel(kernel).stride(stride).padding(padding)
        .bias(false).build();
  }
}
