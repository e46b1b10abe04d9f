package org.delineo.graph.models.rfnet;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Conv3d;
import org.delineo.graph.layers.InstanceNorm;
import org.delineo.graph.layers.Pad;
import org.delineo.graph.layers.Padding;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * RFNet's {@code general_conv3d}: Conv3d (bias) with reflect padding (k − 1) / 2 → InstanceNorm
 * without affine parameters → LeakyReLU. The convolution is the child {@code conv}, so a block named
 * {@code flair_encoder.e1_c1} owns {@code flair_encoder.e1_c1.conv.weight} / {@code .bias}, the
 * PyTorch state-dict keys (the norm has no parameters).
 */
public final class GeneralConv3d extends Module implements Layer {
  private final Conv3d conv;
  private final InstanceNorm norm;
  private final int pad;
  private final float leakySlope;

  /**
   * @param name module path
   * @param outChannels output channels
   * @param kernel cubic kernel size, odd (3 pads 1 by reflection, 1 pads nothing)
   * @param stride stride on all spatial axes
   * @param leakySlope negative slope of the LeakyReLU
   */
  public GeneralConv3d(String name, int outChannels, int kernel, int stride, float leakySlope) {
    super(name);
    // The reference re-initialises every Conv3d with kaiming_normal_ (a = 0, fan-in).
    this.conv = Conv3d.builder(child("conv"), outChannels).kernel(kernel).stride(stride)
        .padding(Padding.VALID).init(Initializers.heNormal()).build();
    this.norm = new InstanceNorm(child("norm"));
    this.pad = (kernel - 1) / 2;
    this.leakySlope = leakySlope;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x =
        pad == 0 ? input : Pad.reflect(ctx.tf(), input, new int[] {pad, pad, pad});
    x = norm.apply(ctx, conv.apply(ctx, x));
    return Activations.leakyRelu(ctx.tf(), x, leakySlope);
  }
}
