package org.delineo.graph.heads;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DepthwiseConv2d;
import org.delineo.graph.layers.GroupNorm;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmcv's {@code ConvModule} with a norm: convolution without bias ({@code <name>.conv}), the norm
 * (batch norm {@code <name>.bn}, or group norm {@code <name>.gn}), then ReLU unless built without
 * activation. The bias is dropped because the norm's shift replaces it (mmcv's
 * {@code bias='auto'}). Padding is mmseg's {@code (k // 2) · dilation}, i.e. SAME for the odd
 * kernels and stride 1 used by the heads.
 */
public final class ConvModule extends Module implements Layer {
  private final Layer conv;
  private final Layer norm;
  private final boolean relu;

  private ConvModule(String name, Layer conv, Layer norm, boolean relu) {
    super(name);
    this.conv = conv;
    this.norm = norm;
    this.relu = relu;
  }

  /** A dense k × k convolution to {@code outChannels}, with the given atrous rate, then BN + ReLU. */
  public static ConvModule conv(String name, int outChannels, int kernel, int dilation) {
    return new ConvModule(name,
        Conv2d.builder(name + ".conv", outChannels).kernel(kernel).dilation(dilation).bias(false)
            .init(HeadInits.kaimingFanOut()).build(),
        new BatchNorm(name + ".bn"), true);
  }

  /** A depthwise k × k convolution (one filter per channel, {@code groups = in}), then BN + ReLU. */
  public static ConvModule depthwise(String name, int kernel, int dilation) {
    return new ConvModule(name,
        DepthwiseConv2d.builder(name + ".conv").kernel(kernel).dilation(dilation).bias(false)
            .init(HeadInits.kaimingFanOut()).build(),
        new BatchNorm(name + ".bn"), true);
  }

  /**
   * A 1 × 1 convolution to {@code outChannels}, then group norm with {@code groups} groups
   * (PyTorch eps 1e-5), then ReLU when {@code relu}: mmcv's ConvModule with
   * {@code norm_cfg=dict(type='GN', num_groups=groups)}, as SegNeXt's LightHamHead builds it.
   */
  public static ConvModule pointwiseGroupNorm(String name, int outChannels, int groups, boolean relu) {
    return new ConvModule(name,
        Conv2d.builder(name + ".conv", outChannels).kernel(1).bias(false).init(HeadInits.kaimingFanOut()).build(),
        new GroupNorm(name + ".gn", groups), relu);
  }

  /**
   * A k × k convolution (stride 1, padding k // 2) to {@code outChannels} with the given kernel
   * initializer, with a bias when {@code bias} (starting at 0), then group norm with {@code groups}
   * groups (PyTorch eps 1e-5), then ReLU when {@code relu}: mmcv's ConvModule with
   * {@code norm_cfg=dict(type='GN', num_groups=groups)} and an explicit {@code bias}, as mmdet's
   * {@code MSDeformAttnPixelDecoder} builds its input ({@code bias=True}), lateral and output convs.
   */
  public static ConvModule groupNorm(String name, int outChannels, int kernel, int groups, boolean bias,
      Initializer init, boolean relu) {
    return new ConvModule(name,
        Conv2d.builder(name + ".conv", outChannels).kernel(kernel).bias(bias).init(init).build(),
        new GroupNorm(name + ".gn", groups), relu);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> y = norm.apply(ctx, conv.apply(ctx, input));
    return relu ? Activations.relu(ctx.tf(), y) : y;
  }
}
