package org.delineo.graph.backbones;

import org.delineo.graph.init.Fans;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DepthwiseConv2d;
import org.delineo.graph.layers.Padding;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomStandardNormal;
import org.tensorflow.types.TFloat32;

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
        .init(depthwiseInit()).build();
  }

  /** A dense kernel [kh, kw, in, out]: fan_out = kh · kw · out. */
  private static Initializer denseInit() {
    return (tf, shape, seed) -> normal(tf, shape, seed, Math.sqrt(2.0 / Fans.of(shape).out()));
  }

  /**
   * A depthwise kernel, drawn in the grouped layout [kh, kw, 1, C] that {@code DepthwiseConv2d}
   * hands its initializer: PyTorch's fan_out = kh · kw · C / groups = kh · kw.
   */
  private static Initializer depthwiseInit() {
    return (tf, shape, seed) -> normal(tf, shape, seed, Math.sqrt(2.0 / (shape.size(0) * shape.size(1))));
  }

  private static Operand<TFloat32> normal(Ops tf, Shape shape, long seed, double std) {
    long seed2 = (seed * 0x9E3779B97F4A7C15L >>> 33) | 1L;
    return tf.math.mul(
        tf.random.randomStandardNormal(
            tf.constant(shape), TFloat32.class, RandomStandardNormal.seed(seed).seed2(seed2)),
        tf.constant((float) std));
  }
}
