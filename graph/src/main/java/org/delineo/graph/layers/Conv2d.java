package org.delineo.graph.layers;

import java.util.List;
import org.delineo.graph.Conv2dOps;
import org.delineo.graph.DelineoException;
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

/**
 * 2-D convolution of an NHWC input with an HWIO kernel {@code <name>.weight} of shape
 * [kh, kw, in, out] and an optional bias {@code <name>.bias} of shape [out].
 *
 * <p>The convolution is TF's generic {@code Conv} op ({@link GenericConv}, whose CPU kernels are
 * the faster ones) or {@code Conv2D}, as the context's {@link Conv2dOps} says. Dilation greater
 * than 1 is built as SpaceToBatchND → undilated convolution → BatchToSpaceND (see {@link Atrous}),
 * never with Conv2D's {@code dilations} attribute, whose gradient is wrong; it requires stride 1.
 * A native dilated convolution with a correct gradient was measured as well and was no faster
 * than the sandwich at the D8 ResNet's shapes, and its CPU backprop kernels need oneDNN
 * (docs/tensorflow-java-pitfalls.md).
 * Explicit padding is SAME where that pads the same zeros ({@code Padding.resolvedFor}), otherwise
 * the generic op's EXPLICIT padding (Conv2D: a zero Pad followed by a VALID convolution).
 *
 * <pre>{@code
 * Conv2d conv = Conv2d.builder("decode_head.conv_seg", 19).kernel(1).build();
 * Conv2d aspp = Conv2d.builder("decode_head.aspp.1", 256).kernel(3).dilation(12).bias(false).build();
 * }</pre>
 */
public final class Conv2d extends Module implements Layer {
  private final int outChannels;
  private final int kernelH;
  private final int kernelW;
  private final int stride;
  private final Padding padding;
  private final int dilation;
  private final boolean useBias;
  private final Initializer init;

  /**
   * @param name module path; variables are {@code name.weight} and {@code name.bias}
   * @param outChannels output channels
   * @param kernelH kernel rows
   * @param kernelW kernel columns
   * @param stride stride on both spatial axes; must be 1 when {@code dilation > 1}
   * @param padding SAME, VALID or explicit
   * @param dilation atrous rate (1 = none)
   * @param useBias whether to add a bias
   * @param init kernel initializer (the bias starts at zero)
   * @throws DelineoException on non-positive sizes, or stride > 1 together with dilation > 1
   */
  public Conv2d(
      String name, int outChannels, int kernelH, int kernelW, int stride, Padding padding,
      int dilation, boolean useBias, Initializer init) {
    super(name);
    this.outChannels = Convolutions.positive(name, "outChannels", outChannels);
    this.kernelH = Convolutions.positive(name, "kernelH", kernelH);
    this.kernelW = Convolutions.positive(name, "kernelW", kernelW);
    this.stride = Convolutions.positive(name, "stride", stride);
    this.dilation = Convolutions.positive(name, "dilation", dilation);
    if (dilation > 1 && stride > 1) {
      throw new DelineoException(
          name + ": stride must be 1 when dilation > 1, found stride " + stride + " and dilation "
              + dilation);
    }
    this.padding = padding.checkedFor(name, 2);
    this.useBias = useBias;
    this.init = init;
  }

  /** A builder with defaults: 3×3, stride 1, SAME, no dilation, bias, He-normal kernel. */
  public static Builder builder(String name, int outChannels) {
    return new Builder(name, outChannels);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    String weightName = child("weight");
    long in = Convolutions.inputChannels(ctx, name(), input, 4, weightName, 2);
    Operand<TFloat32> kernel =
        ctx.variables().variable(
            weightName, Shape.of(kernelH, kernelW, in, outChannels), init, VariableKind.WEIGHT);
    Operand<TFloat32> y = dilation > 1
        ? Atrous.apply(tf, input, kernel, dilation, padding, (x, k, pad) -> convolve(ctx, x, k, 1, pad))
        : convolve(ctx, input, kernel, stride, padding);
    return Convolutions.maybeBias(ctx, y, useBias, child("bias"), outChannels);
  }

  /**
   * The convolution op the context asks for ({@link Conv2dOps}), undilated. Explicit padding is SAME
   * where that pads the same zeros; otherwise the generic op's EXPLICIT padding, or for Conv2D a
   * Pad before a VALID convolution.
   */
  private static Operand<TFloat32> convolve(GraphContext ctx, Operand<TFloat32> x,
      Operand<TFloat32> kernel, int stride, Padding padding) {
    Padding pad = padding.resolvedFor(x, stride, kernel);
    List<Long> strides = Convolutions.strides(2, stride);
    if (ctx.conv2dOps() == Conv2dOps.GENERIC) {
      return GenericConv.conv2d(ctx.tf(), x, kernel, strides, pad);
    }
    return ctx.tf().nn.conv2d(pad.padInput(ctx.tf(), x, 2), kernel, strides, pad.tfPadding());
  }

  /** Readable construction of a {@link Conv2d}; every setting has a default. */
  public static final class Builder {
    private final String name;
    private final int outChannels;
    private int kernelH = 3;
    private int kernelW = 3;
    private int stride = 1;
    private Padding padding = Padding.SAME;
    private int dilation = 1;
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

    public Builder padding(Padding value) {
      this.padding = value;
      return this;
    }

    /** Atrous rate; requires stride 1. */
    public Builder dilation(int value) {
      this.dilation = value;
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

    public Conv2d build() {
      return new Conv2d(name, outChannels, kernelH, kernelW, stride, padding, dilation, useBias, init);
    }
  }
}
