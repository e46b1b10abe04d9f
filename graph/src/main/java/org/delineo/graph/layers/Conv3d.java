package org.delineo.graph.layers;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.VariableKind;
import org.delineo.graph.gradients.CustomGradients;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * 3-D convolution of an NDHWC input with a DHWIO kernel {@code <name>.weight} of shape
 * [kd, kh, kw, in, out] and an optional bias {@code <name>.bias} of shape [out].
 *
 * <p>TF has no C++ gradient for Conv3D; constructing this layer installs the project's Java
 * gradients ({@link CustomGradients#install()}), so a graph using it can always be differentiated.
 * Dilation is not offered: none of the 3-D networks use it, and Conv3D's {@code dilations} would
 * need its own checked gradient (the 2-D one is wrong).
 */
public final class Conv3d extends Module implements Layer {
  private final int outChannels;
  private final int kernelD;
  private final int kernelH;
  private final int kernelW;
  private final int stride;
  private final Padding padding;
  private final boolean useBias;
  private final Initializer init;

  /**
   * @param name module path; variables are {@code name.weight} and {@code name.bias}
   * @param outChannels output channels
   * @param kernelD kernel depth
   * @param kernelH kernel rows
   * @param kernelW kernel columns
   * @param stride stride on all three spatial axes
   * @param padding SAME, VALID or explicit (one amount or six)
   * @param useBias whether to add a bias
   * @param init kernel initializer (the bias starts at zero)
   */
  public Conv3d(
      String name, int outChannels, int kernelD, int kernelH, int kernelW, int stride,
      Padding padding, boolean useBias, Initializer init) {
    super(name);
    this.outChannels = Convolutions.positive(name, "outChannels", outChannels);
    this.kernelD = Convolutions.positive(name, "kernelD", kernelD);
    this.kernelH = Convolutions.positive(name, "kernelH", kernelH);
    this.kernelW = Convolutions.positive(name, "kernelW", kernelW);
    this.stride = Convolutions.positive(name, "stride", stride);
    this.padding = padding.checkedFor(name, 3);
    this.useBias = useBias;
    this.init = init;
    CustomGradients.install();
  }

  /** A builder with defaults: 3×3×3, stride 1, SAME, bias, He-normal kernel. */
  public static Builder builder(String name, int outChannels) {
    return new Builder(name, outChannels);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    String weightName = child("weight");
    long in = Convolutions.inputChannels(ctx, name(), input, 5, weightName, 3);
    Operand<TFloat32> kernel =
        ctx.variables().variable(
            weightName, Shape.of(kernelD, kernelH, kernelW, in, outChannels), init,
            VariableKind.WEIGHT);
    Padding pad = padding.resolvedFor(input.shape(), stride, kernelD, kernelH, kernelW);
    Operand<TFloat32> y =
        tf.nn.conv3d(pad.padInput(tf, input, 3), kernel, Convolutions.strides(3, stride),
            pad.tfPadding());
    return Convolutions.maybeBias(ctx, y, useBias, child("bias"), outChannels);
  }

  /** Output channels. */
  public int outChannels() {
    return outChannels;
  }

  /** Readable construction of a {@link Conv3d}; every setting has a default. */
  public static final class Builder {
    private final String name;
    private final int outChannels;
    private int kernelD = 3;
    private int kernelH = 3;
    private int kernelW = 3;
    private int stride = 1;
    private Padding padding = Padding.SAME;
    private boolean useBias = true;
    private Initializer init = Initializers.heNormal();

    private Builder(String name, int outChannels) {
      this.name = name;
      this.outChannels = outChannels;
    }

    /** A cubic k × k × k kernel. */
    public Builder kernel(int k) {
      return kernel(k, k, k);
    }

    public Builder kernel(int kd, int kh, int kw) {
      this.kernelD = kd;
      this.kernelH = kh;
      this.kernelW = kw;
      return this;
    }

    public Builder stride(int value) {
      this.stride = value;
      return this;
    }

    public Builder padding(Padding value) {
      this.padding = value;
      return this;
    }

    public Builder bias(boolean value) {
      this.useBias = value;
      return this;
    }

    /** Kernel initializer. */
    public Builder init(Initializer value) {
      this.init = value;
      return this;
    }

    public Conv3d build() {
      return new Conv3d(name, outChannels, kernelD, kernelH, kernelW, stride, padding, useBias, init);
    }
  }
}
