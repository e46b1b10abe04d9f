package org.delineo.graph.heads;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DepthwiseConv2d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmcv's {@code ConvModule} with a norm and ReLU: convolution without bias ({@code <name>.conv}),
 * batch norm ({@code <name>.bn}), ReLU. The bias is dropped because the norm's shift replaces it
 * (mmcv's {@code bias='auto'}). Padding is mmseg's {@code (k // 2) · dilation}, i.e. SAME for the
 * odd kernels and stride 1 used by the heads.
 */
public final class ConvModule extends Module implements Layer {
  private final Layer conv;
  private final BatchNorm bn;

  private ConvModule(String name, Layer conv) {
    super(name);
    this.conv = conv;
    this.bn = new BatchNorm(child("bn"));
  }

  /** A dense k × k convolution to {@code outChannels}, with the given atrous rate, then BN + ReLU. */
  public static ConvModule conv(String name, int outChannels, int kernel, int dilation) {
    return new ConvModule(name,
        Conv2d.builder(name + ".conv", outChannels).kernel(kernel).dilation(dilation).bias(false)
            .init(HeadInits.kaimingFanOut()).build());
  }

  /** A depthwise k × k convolution (one filter per channel, {@code groups = in}), then BN + ReLU. */
  public static ConvModule depthwise(String name, int kernel, int dilation) {
    return new ConvModule(name,
        DepthwiseConv2d.builder(name + ".conv").kernel(kernel).dilation(dilation).bias(false)
            .init(HeadInits.kaimingFanOut()).build());
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    return Activations.relu(ctx.tf(), bn.apply(ctx, conv.apply(ctx, input)));
  }
}
