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
import org.tensorflow.types.TInt32;

/**
 * 3-D transposed convolution of an NDHWC input, built as Conv3DBackpropInputV2. The kernel
 * {@code <name>.weight} has TF's {@code conv3d_transpose} layout [kd, kh, kw, out, in]; the optional
 * bias has shape [out]. Output size per spatial axis: in · stride (SAME) or (in − 1) · stride + k
 * (VALID, = PyTorch {@code ConvTranspose3d(padding=0)}). The batch size may be unknown.
 *
 * <p>TF has no C++ gradient for Conv3DBackpropInputV2; constructing this layer installs the
 * project's Java gradients ({@link CustomGradients#install()}).
 */
public final class ConvTranspose3d extends Module implements Layer {
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
   * @param stride upsampling factor on all three spatial axes
   * @param padding SAME or VALID
   * @param useBias whether to add a bias
   * @param init kernel initializer (the bias starts at zero)
   * @throws org.delineo.graph.DelineoException on non-positive sizes or explicit padding
   */
  public ConvTranspose3d(
      String name, int outChannels, int kernelD, int kernelH, int kernelW, int stride,
      Padding padding, boolean useBias, Initializer init) {
    super(name);
    this.outChannels = Convolutions.positive(name, "outChannels", outChannels);
    this.kernelD = Convolutions.positive(name, "kernelD", kernelD);
    this.kernelH = Convolutions.positive(name, "kernelH", kernelH);
    this.kernelW = Convolutions.positive(name, "kernelW", kernelW);
    this.stride = Convolutions.positive(name, "stride", stride);
    this.padding = Convolutions.sameOrValid(name, padding);
    this.useBias = useBias;
    this.init = init;
    CustomGradients.install();
  }

  /** A builder with defaults: 2×2×2, stride 2, VALID, bias, He-normal kernel. */
  public static Builder builder(String name, int outChannels) {
    return new Builder(name, outChannels);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    String weightName = child("weight");
    long in = Convolutions.inputChannels(ctx, name(), input, 5, weightName, 4);
    Operand<TFloat32> kernel =
        ctx.variables().variable(
            weightName, Shape.of(kernelD, kernelH, kernelW, outChannels, in), init,
            VariableKind.WEIGHT);
    Operand<TInt32> sizes =
        Convolutions.transposedOutputSizes(
            tf, input, new int[] {kernelD, kernelH, kernelW}, stride, padding, outChannels);
    Operand<TFloat32> y =
        tf.nn.conv3dBackpropInput(
            sizes, kernel, input, Convolutions.strides(3, stride), padding.tfPadding());
    return Convolutions.maybeBias(ctx, y, useBias, child("bias"), outChannels);
  }

  /** Output channels. */
  public int outChannels() {
    return outChannels;
  }

  /** Readable construction of a {@link ConvTranspose3d}; every setting has a default. */
  public static final class Builder {
    private final String name;
    private final int outChannels;
    private int kernelD = 2;
    private int kernelH = 2;
    private int kernelW = 2;
    private int stride = 2;
    private Padding padding = Padding.VALID;
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

    /** SAME or VALID. */
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

    public ConvTranspose3d build() {
      return new ConvTranspose3d(
          name, outChannels, kernelD, kernelH, kernelW, stride, padding, useBias, init);
    }
  }
}
