package org.delineo.graph.backbones;

import org.delineo.graph.init.Fans;
import org.delineo.graph.init.Initializer;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomStandardNormal;
import org.tensorflow.types.TFloat32;

/**
 * The initial weights of mmseg's {@code MixVisionTransformer.init_weights} (used when no pretrained
 * checkpoint is given): {@code nn.Linear} weights {@code trunc_normal(std=0.02)}, whose bounds
 * [−2, 2] are absolute (100 standard deviations), so in effect a plain normal; conv weights
 * N(0, 2 / fan_out) with fan_out = kh·kw·out / groups. Biases start at zero and LayerNorms at
 * (1, 0) in the layers themselves.
 */
final class MitInits {
  /** Standard deviation of mmseg's linear-layer init. */
  static final float LINEAR_STD = 0.02f;

  private MitInits() {}

  /** N(0, std²); see the class comment for why no truncation. */
  static Initializer normal(float std) {
    return (tf, shape, seed) -> draw(tf, shape, seed, std);
  }

  /** A dense conv kernel (HWIO): N(0, 2 / (kh·kw·out)). */
  static Initializer convFanOut() {
    return (tf, shape, seed) -> draw(tf, shape, seed, (float) Math.sqrt(2.0 / Fans.of(shape).out()));
  }

  /**
   * A depthwise kernel ({@code groups = channels}, one filter each): fan_out = kh·kw·C / C = kh·kw,
   * so N(0, 2 / (kh·kw)) whatever layout the kernel is drawn in.
   */
  static Initializer depthwiseFanOut(int kernelH, int kernelW) {
    return normal((float) Math.sqrt(2.0 / (kernelH * kernelW)));
  }

  private static Operand<TFloat32> draw(Ops tf, Shape shape, long seed, float std) {
    long seed2 = (seed * 0x9E3779B97F4A7C15L >>> 33) | 1L;
    return tf.math.mul(
        tf.random.randomStandardNormal(
            tf.constant(shape), TFloat32.class, RandomStandardNormal.seed(seed).seed2(seed2)),
        tf.constant(std));
  }
}
