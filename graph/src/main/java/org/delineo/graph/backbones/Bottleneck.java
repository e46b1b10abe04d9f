package org.delineo.graph.backbones;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.Padding;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The ResNet bottleneck residual block in the "pytorch" style (the stride sits on the 3×3
 * convolution, not on the first 1×1): 1×1 → 3×3 (stride, dilation) → 1×1 with {@link #EXPANSION}×
 * channels, each convolution bias-free and followed by batch norm, ReLU after the sum.
 *
 * <p>Children follow mmseg's state-dict names: {@code conv1/bn1/conv2/bn2/conv3/bn3} and, when the
 * block changes resolution or width, a projection shortcut {@code downsample.0} (1×1 conv with the
 * block's stride) + {@code downsample.1} (batch norm). Whether the projection exists is decided from
 * the static input width, exactly as mmseg's {@code ResLayer} decides it from {@code inplanes}.
 */
public final class Bottleneck extends Module implements Layer {
  /** Output channels per {@code planes}: a bottleneck widens its 1×1 output four times. */
  public static final int EXPANSION = 4;

  private final int planes;
  private final int stride;
  private final int dilation;

  /**
   * @param name module path, e.g. {@code backbone.layer3.0}
   * @param planes width of the inner 1×1 / 3×3 convolutions; the block outputs {@code 4·planes}
   * @param stride stride of the 3×3 convolution and of the projection shortcut
   * @param dilation atrous rate of the 3×3 convolution (padding equals the rate, as in PyTorch)
   * @throws DelineoException on non-positive settings or stride and dilation both above 1
   */
  public Bottleneck(String name, int planes, int stride, int dilation) {
    super(name);
    if (planes < 1 || stride < 1 || dilation < 1) {
      throw new DelineoException(name + ": planes, stride and dilation must be positive, found "
          + planes + ", " + stride + ", " + dilation);
    }
    if (stride > 1 && dilation > 1) {
      throw new DelineoException(name + ": a block cannot both stride and dilate, found stride "
          + stride + " and dilation " + dilation);
    }
    this.planes = planes;
    this.stride = stride;
    this.dilation = dilation;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    if (input.shape().numDimensions() != 4 || input.shape().get(3) < 0) {
      throw new ShapeMismatchException(
          name() + ": expected an NHWC input with a static channel count, found shape "
              + input.shape());
    }
    long inChannels = input.shape().get(3);
    Ops tf = ctx.tf();
    int outChannels = planes * EXPANSION;

    Operand<TFloat32> y = conv(child("conv1"), planes, 1, 1, 1).apply(ctx, input);
    y = Activations.relu(tf, new BatchNorm(child("bn1")).apply(ctx, y));
    y = conv(child("conv2"), planes, 3, stride, dilation).apply(ctx, y);
    y = Activations.relu(tf, new BatchNorm(child("bn2")).apply(ctx, y));
    y = conv(child("conv3"), outChannels, 1, 1, 1).apply(ctx, y);
    y = new BatchNorm(child("bn3")).apply(ctx, y);

    Operand<TFloat32> shortcut = input;
    if (hasProjection(inChannels)) {
      shortcut = conv(child("downsample.0"), outChannels, 1, stride, 1).apply(ctx, input);
      shortcut = new BatchNorm(child("downsample.1")).apply(ctx, shortcut);
    }
    return Activations.relu(tf, tf.math.add(y, shortcut));
  }

  /** Whether an input of this width gets the projection shortcut (mmseg's rule). */
  public boolean hasProjection(long inChannels) {
    return stride != 1 || inChannels != (long) planes * EXPANSION;
  }

  /** Output channels, {@code 4·planes}. */
  public int outChannels() {
    return planes * EXPANSION;
  }

  /**
   * A bias-free convolution with PyTorch's symmetric padding: (k − 1)/2 · dilation on each side, so
   * a strided 3×3 keeps PyTorch's window alignment (TF SAME would pad only at the end).
   */
  static Conv2d conv(String name, int out, int kernel, int stride, int dilation) {
    int pad = (kernel - 1) / 2 * dilation;
    return Conv2d.builder(name, out)
        .kernel(kernel)
        .stride(stride)
        .dilation(dilation)
        // pad 0 (1×1) is VALID rather than a no-op Pad; VALID and PyTorch agree on output size.
        .padding(pad == 0 ? Padding.VALID : Padding.of(pad))
        .bias(false)
        .build();
  }
}
