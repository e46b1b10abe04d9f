package org.delineo.graph.layers;

import java.util.List;
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
 * Depthwise 2-D convolution of an NHWC input: each input channel c is convolved with its own
 * {@code multiplier} filters, giving output channel c · multiplier + m. Kernel {@code <name>.weight}
 * has TF's depthwise layout [kh, kw, in, multiplier]; the optional bias has [in · multiplier].
 *
 * <p>Dilation greater than 1 is built as SpaceToBatchND → undilated DepthwiseConv2dNative →
 * BatchToSpaceND ({@link Atrous}); the native op's {@code dilations} fail in the CPU forward
 * kernel (and under oneDNN's rewrite, the dilated op and its backprops disagreed with this formulation). The kernel is initialised as PyTorch's grouped weight [in · multiplier, 1, kh, kw] would be,
 * so fan-in is kh · kw, not kh · kw · in.
 */
public final class DepthwiseConv2d extends Module implements Layer {
  private final int kernelH;
  private final int kernelW;
  private final int stride;
  private final Padding padding;
  private final int dilation;
  private final int multiplier;
  private final boolean useBias;
  private final Initializer init;

  /**
   * @param name module path; variables are {@code name.weight} and {@code name.bias}
   * @param kernelH kernel rows
   * @param kernelW kernel columns
   * @param stride stride on both spatial axes; must be 1 when {@code dilation > 1}
   * @param padding SAME, VALID or explicit
   * @param dilation atrous rate (1 = none)
   * @param multiplier filters per input channel
   * @param useBias whether to add a bias
   * @param init kernel initializer (the bias starts at zero)
   * @throws DelineoException on non-positive sizes, or stride > 1 together with dilation > 1
   */
  public DepthwiseConv2d(
      String name, int kernelH, int kernelW, int stride, Padding padding, int dilation,
      int multiplier, boolean useBias, Initializer init) {
    super(name);
    this.kernelH = Convolutions.positive(name, "kernelH", kernelH);
    this.kernelW = Convolutions.positive(name, "kernelW", kernelW);
    this.stride = Convolutions.positive(name, "stride", stride);
    this.dilation = Convolutions.positive(name, "dilation", dilation);
    this.multiplier = Convolutions.positive(name, "channel multiplier", multiplier);
    if (dilation > 1 && stride > 1) {
      throw new DelineoException(
          name + ": stride must be 1 when dilation > 1, found stride " + stride + " and dilation "
              + dilation);
    }
    this.padding = padding.checkedFor(name, 2);
    this.useBias = useBias;
    this.init = init;
  }

  /** A builder with defaults: 3×3, stride 1, SAME, no dilation, multiplier 1, bias, He-normal. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    String weightName = child("weight");
    long in = Convolutions.inputChannels(ctx, name(), input, 4, weightName, 2);
    Shape kernelShape = Shape.of(kernelH, kernelW, in, multiplier);
    Shape groupedShape = Shape.of(kernelH, kernelW, 1, in * multiplier);
    // Draw with the grouped layout's fans, then reshape: channel c·m + q lands on [.., c, q].
    Initializer grouped =
        (initTf, shape, seed) ->
            initTf.reshape(init.create(initTf, groupedShape, seed), initTf.constant(shape));
    Operand<TFloat32> kernel =
        ctx.variables().variable(weightName, kernelShape, grouped, VariableKind.WEIGHT);
    Operand<TFloat32> y = dilation > 1
        ? Atrous.apply(tf, input, kernel, dilation, padding, (x, k, pad) -> convolve(tf, x, k, 1, pad))
        : convolve(tf, input, kernel, stride, padding);
    return Convolutions.maybeBias(ctx, y, useBias, child("bias"), in * multiplier);
  }

  /** The undilated depthwise convolution, explicit padding as SAME where that pads the same zeros. */
  private static Operand<TFloat32> convolve(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel,
      int stride, Padding padding) {
    Padding pad = padding.resolvedFor(x, stride, kernel);
    return tf.nn.depthwiseConv2dNative(pad.padInput(tf, x, 2), kernel, Convolutions.strides(2, stride),
        pad.tfPadding());
  }

  /** Readable construction of a {@link DepthwiseConv2d}; every setting has a default. */
  public static final class Builder {
    private final String name;
    private int kernelH = 3;
    private int kernelW = 3;
    private int stride = 1;
    private Padding padding = Padding.SAME;
    private int dilation = 1;
    private int multiplier = 1;
    private boolean useBias = true;
    private Initializer init = Initializers.heNormal();

    private Builder(String name) {
      this.name = name;
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

    /** Filters per input channel. */
    public Builder channelMultiplier(int value) {
      this.multiplier = value;
      return this;
    }

    public Builder bias(boolean value) {
      this.useBias = value;
      return this;
    }

    /** Kernel initializer, applied with the fans of the grouped layout. */
    public Builder init(Initializer value) {
      this.init = value;
      return this;
    }

    public DepthwiseConv2d build() {
      return new DepthwiseConv2d(
          name, kernelH, kernelW, stride, padding, dilation, multiplier, useBias, init);
    }
  }
}
