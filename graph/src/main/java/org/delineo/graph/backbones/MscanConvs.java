package org.delineo.graph.backbones;

import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DepthwiseConv2d;
import org.delineo.graph.layers.Padding;

/**
 * The convolutions MSCAN is made of, all {@code nn.Conv2d} with bias and PyTorch's explicit zero
 * padding, initialised as mmseg's {@code MSCAN.init_weights} does without a checkpoint:
 * N(0, 2 / fan_out) with fan_out = kh · kw · out / groups, bias zero.
 */
final class MscanConvs {
  private MscanConvs() {}

  /** A dense kh × kw convolution to {@code out} channels with PyTorch padding (ph, pw). */
  static Conv2d dense(String name, int out, int kh, int kw, int stride, int ph, int pw) {
    return Conv2d.builder(name, out).kernel(kh, kw).stride(stride).padding(Padding.explicit(ph, ph, pw, pw))
        .bias(true).init(denseInit()).build();
  }

  /** A 1 × 1 convolution to {@code out} channels (the projections and the MLP's fc1 / fc2). */
  static Conv2d pointwise(String name, int out) {
    return dense(name, out, 1, 1, 1, 0, 0);
  }

  /** A depthwise ({@code groups = channels}) kh × kw convolution, stride 1, PyTorch padding (ph, pw). */
  static DepthwiseConv2d depthwise(String name, int kh, int kw, int ph, int pw) {
    return DepthwiseConv2d.builder(name).kernel(kh, kw).padding(Padding.explicit(ph, ph, pw, pw)).bias(true)
        .init(depthwiseInit(kh, kw)).build();
  }

  /** A dense kernel [kh, kw, in, out]: fan_out = kh · kw · out. */
  private static Initializer denseInit() {
    return Initializers.kaimingNormalFanOut();
  }

  /** A depthwise kernel ({@code groups = channels}): PyTorch's fan_out = kh · kw · C / groups = kh · kw. */
  private static Initializer depthwiseInit(int kh, int kw) {
    return Initializers.normal((float) Math.sqrt(2.0 / (kh * kw)));
  }
}
