package org.delineo.graph.init;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomStandardNormal;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.types.TFloat32;

/**
 * The initializers layers use. Kaiming/He and Xavier follow PyTorch's {@code nn.init} definitions
 * (fan from {@link Fans}); random ops get both op seeds so that a graph initialises identically in
 * every run.
 */
public final class Initializers {
  private Initializers() {}

  /** All zeros. */
  public static Initializer zeros() {
    return constant(0f);
  }

  /** All ones. */
  public static Initializer ones() {
    return constant(1f);
  }

  /** Every element equal to {@code value}. */
  public static Initializer constant(float value) {
    return (tf, shape, seed) -> tf.fill(tf.constant(shape), tf.constant(value));
  }

  /** Kaiming/He normal, fan-in mode, for a ReLU: N(0, 2 / fan_in). */
  public static Initializer heNormal() {
    return heNormal(0f);
  }

  /**
   * Kaiming/He normal, fan-in mode, for a leaky ReLU with the given negative slope: std =
   * sqrt(2 / (1 + slope²)) / sqrt(fan_in).
   */
  public static Initializer heNormal(float negativeSlope) {
    return (tf, shape, seed) -> {
      double gain = Math.sqrt(2.0 / (1.0 + negativeSlope * negativeSlope));
      return normal(tf, shape, seed, (float) (gain / Math.sqrt(Fans.of(shape).in())));
    };
  }

  /** Kaiming/He uniform, fan-in mode, for a ReLU: U(−b, b) with b = sqrt(6 / fan_in). */
  public static Initializer heUniform() {
    return (tf, shape, seed) ->
        uniform(tf, shape, seed, (float) Math.sqrt(6.0 / Fans.of(shape).in()));
  }

  /** Xavier/Glorot uniform: U(−b, b) with b = sqrt(6 / (fan_in + fan_out)). */
  public static Initializer xavierUniform() {
    return (tf, shape, seed) -> {
      Fans f = Fans.of(shape);
      return uniform(tf, shape, seed, (float) Math.sqrt(6.0 / (f.in() + f.out())));
    };
  }

  /** Xavier/Glorot normal: N(0, 2 / (fan_in + fan_out)). */
  public static Initializer xavierNormal() {
    return (tf, shape, seed) -> {
      Fans f = Fans.of(shape);
      return normal(tf, shape, seed, (float) Math.sqrt(2.0 / (f.in() + f.out())));
    };
  }

  /** Normal N(0, stddev²), e.g. mmseg's {@code normal_init} and {@code conv_seg} (std 0.01). */
  public static Initializer normal(float stddev) {
    return (tf, shape, seed) -> normal(tf, shape, seed, stddev);
  }

  /**
   * N(0, 2 / fan_out), fan_out = kh·kw·out for a dense kernel: mmcv's {@code kaiming_init} with its
   * defaults (fan-out mode, ReLU gain, normal), and the {@code init_weights} of mmseg's MiT and MSCAN.
   */
  public static Initializer kaimingNormalFanOut() {
    return (tf, shape, seed) -> normal(tf, shape, seed, (float) Math.sqrt(2.0 / Fans.of(shape).out()));
  }

  /**
   * Normal with the given standard deviation, redrawn beyond two standard deviations (TF's
   * truncated normal; the usual ViT/SegFormer choice with std 0.02).
   */
  public static Initializer truncatedNormal(float stddev) {
    return (tf, shape, seed) ->
        tf.math.mul(
            tf.random.truncatedNormal(
                tf.constant(shape), TFloat32.class, TruncatedNormal.seed(seed).seed2(seed2(seed))),
            tf.constant(stddev));
  }

  private static Operand<TFloat32> normal(Ops tf, Shape shape, long seed, float stddev) {
    return tf.math.mul(
        tf.random.randomStandardNormal(
            tf.constant(shape), TFloat32.class, RandomStandardNormal.seed(seed).seed2(seed2(seed))),
        tf.constant(stddev));
  }

  private static Operand<TFloat32> uniform(Ops tf, Shape shape, long seed, float bound) {
    Operand<TFloat32> u01 =
        tf.random.randomUniform(
            tf.constant(shape), TFloat32.class, RandomUniform.seed(seed).seed2(seed2(seed)));
    return tf.math.mul(tf.math.sub(tf.math.mul(u01, tf.constant(2f)), tf.constant(1f)), tf.constant(bound));
  }

  /** TF treats seed2 = 0 as "pick one at random" when seed is 0; derive a fixed non-zero one. */
  private static long seed2(long seed) {
    return (seed * 0x9E3779B97F4A7C15L >>> 33) | 1L;
  }
}
