package org.delineo.graph.heads;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmcv's {@code DepthwiseSeparableConvModule} with norm and ReLU on both parts: a depthwise k × k
 * (dilated) {@link ConvModule} {@code <name>.depthwise_conv}, then a pointwise 1 × 1
 * {@link ConvModule} {@code <name>.pointwise_conv} to the output channels.
 */
public final class DepthwiseSeparableConvModule extends Module implements Layer {
  private final ConvModule depthwise;
  private final ConvModule pointwise;

  /**
   * @param name module path, e.g. {@code decode_head.aspp_modules.1}
   * @param outChannels channels of the pointwise convolution
   * @param kernel depthwise kernel size (odd)
   * @param dilation depthwise atrous rate
   */
  public DepthwiseSeparableConvModule(String name, int outChannels, int kernel, int dilation) {
    super(name);
    this.depthwise = ConvModule.depthwise(child("depthwise_conv"), kernel, dilation);
    this.pointwise = ConvModule.conv(child("pointwise_conv"), outChannels, 1, 1);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    return pointwise.apply(ctx, depthwise.apply(ctx, input));
  }
}
