package org.delineo.graph.layers;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * 2-D transposed convolution (the gradient of a convolution w.r.t. its input) of an NHWC input,
 * built as Conv2DBackpropInput. The kernel {@code <name>.weight} has TF's
 * {@code conv2d_transpose} layout [kh, kw, out, in]: the HWIO kernel of the convolution being
 * transposed, whose input is our output. The optional bias has shape [out].
 *
 * <p>Output size per spatial axis: in · stride (SAME) or (in − 1) · stride + k (VALID). VALID
 * equals PyTorch's {@code ConvTranspose2d(padding=0)}, e.g. the usual k = 2, s = 2 upsampling
 * (a PyTorch weight [in, out, kh, kw] maps here by a (2, 3, 1, 0) transpose). The batch size may
 * be unknown (−1): it is read from the run-time shape.
 */
public final class ConvTranspose2d extends Module implements Layer {
  private final int outChannels;
  private final int kernelH;
  private final int kernelW;
  private final int stride;
  private final Padding padding;
  private final boolean useBias;
  private final Initializer init;

  /**
   * @param name module path; variables are {@code name.weight} and {@code name.bias}
   * @param outChannels output channels
   * @param kernelH kernel rows
   * @param kernelW kernel columns
   * @param stride upsampling factor on both spatial axes
   * @param padding SAME or VALID
   * @param useBias whether to add a bias
   * @param init kernel initializer (the bias starts at zero)
   * @throws org.delineo.graph.DelineoException on non-positive sizes or explicit padding
   */
  public ConvTranspose2d(
      String name, int outChannels, int kernelH, int kernelW, int stride, Padding padding,
      boolean useBias, Initializer init) {
    super(name);
    this.outChannels = Convolutions.positive(name, "outChannels", outChannels);
    this.kernelH = Convolutions.positive(name, "kernelH", kernelH);
    this.kernelW = Convolutions.positive(name, "kernelW", kernelW);
    this.stride = Convolutions.positive(name, "stride", stride);
    this.padding = Convolutions.sameOrValid(name, padding);
    this.useBias = useBias;
    this.init = init;
  }

  /** A builder with defaults: 2×2, stride 2, VALID (PyTorch's k=2, s=2 upsampling), bias, He-normal. */
  public static Builder builder(String name, int outChannels) {
    return new Builder(name, outChannels);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    String weightName = child("weight");
    long in = Convolutions.inputChannels(ctx, name(), input, 4, weightName, 3);
    Operand<TFloat32> kernel =
        ctx.variables().variable(
            weightName, Shape.of(kernelH, kernelW, outChannels, in), init, VariableKind.WEIGHT);
    Operand<TInt32> sizes =
        Convolutions.transposedOutputSizes(
            tf, input, new int[] {kernelH, kernelW}, stride, padding, outChannels);
    Operand<TFloat32> y =
        tf.nn.conv2dBackpropInput(
            sizes, kernel, input, Convolutions.strides(2, stride), padding.tfPadding());
    return Convolutions.maybeBias(ctx, y, useBias, child("bias"), outChannels);
  }

  /** Output channels. */
  public int outChannels() {
    return outChannels;
  }

  /** Readable construction of a {@link ConvTranspose2d}; every setting has a default. */
  public static final class Builder {
    private final String name;
    private final int outChannels;
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

    /** A square k × k kernel. */
    public Builder kernel(int k) {
      return kernel(k, k);
    }

    public Builder kernel(int kh, int kw) {
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

    public ConvTranspose2d build() {
      return new ConvTranspose2d(name, outChannels, kernelH, kernelW, stride, padding, useBias, init);
    }
  }
}
