package org.delineo.graph.models.unet;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.Dropout;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * UniMatch's UNet {@code ConvBlock}: 3×3 conv (bias) → BN → LeakyReLU → Dropout → 3×3 conv (bias)
 * → BN → LeakyReLU. Submodules carry PyTorch's {@code nn.Sequential} indices, so a block named
 * {@code encoder.in_conv} owns {@code encoder.in_conv.conv_conv.0.weight} (first conv),
 * {@code .conv_conv.1.*} (first BN), {@code .conv_conv.4.*} (second conv) and {@code .conv_conv.5.*}
 * (second BN), exactly the keys of the PyTorch state dict.
 */
public final class ConvBlock extends Module implements Layer {
  private final Conv2d conv1;
  private final BatchNorm bn1;
  private final Dropout dropout;
  private final Conv2d conv2;
  private final BatchNorm bn2;
  private final float leakySlope;

  /**
   * @param name module path, e.g. {@code encoder.down1.maxpool_conv.1}
   * @param outChannels channels of both convs
   * @param dropoutRate element-wise dropout between the two convs, in [0, 1) (0 = none)
   * @param leakySlope negative slope of both LeakyReLUs (PyTorch's default is 0.01)
   */
  public ConvBlock(String name, int outChannels, float dropoutRate, float leakySlope) {
    super(name);
    String seq = child("conv_conv");
    // He-normal for the leaky slope in use: the variance-preserving choice for this activation.
    this.conv1 = Conv2d.builder(seq + ".0", outChannels).kernel(3)
        .init(Initializers.heNormal(leakySlope)).build();
    this.bn1 = new BatchNorm(seq + ".1");
    this.dropout = new Dropout(seq + ".3", dropoutRate);
    this.conv2 = Conv2d.builder(seq + ".4", outChannels).kernel(3)
        .init(Initializers.heNormal(leakySlope)).build();
    this.bn2 = new BatchNorm(seq + ".5");
    this.leakySlope = leakySlope;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x = bn1.apply(ctx, conv1.apply(ctx, input));
    x = dropout.apply(ctx, Activations.leakyRelu(ctx.tf(), x, leakySlope));
    x = bn2.apply(ctx, conv2.apply(ctx, x));
    return Activations.leakyRelu(ctx.tf(), x, leakySlope);
  }
}
