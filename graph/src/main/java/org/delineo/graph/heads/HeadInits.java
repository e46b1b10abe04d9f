package org.delineo.graph.heads;

import org.delineo.graph.init.Fans;
import org.delineo.graph.init.Initializer;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomStandardNormal;
import org.tensorflow.types.TFloat32;

/** The initializers mmseg/mmcv give decode-head weights. */
final class HeadInits {
  private HeadInits() {}

  /**
   * mmcv {@code ConvModule.init_weights}: {@code kaiming_init(conv, nonlinearity='relu')}, whose
   * defaults are fan-out mode and a normal distribution, i.e. N(0, 2 / fan_out).
   */
  static Initializer kaimingFanOut() {
    return (tf, shape, seed) -> normal(tf, shape, seed,
        (float) Math.sqrt(2.0 / Fans.of(shape).out()));
  }

  /** mmseg {@code BaseDecodeHead}: {@code conv_seg} weights N(0, 0.01²) (bias zero). */
  static Initializer convSeg() {
    return (tf, shape, seed) -> normal(tf, shape, seed, 0.01f);
  }

  private static Operand<TFloat32> normal(Ops tf, Shape shape, long seed, float std) {
    long seed2 = (seed * 0x9E3779B97F4A7C15L >>> 33) | 1L;
    return tf.math.mul(
        tf.random.randomStandardNormal(
            tf.constant(shape), TFloat32.class, RandomStandardNormal.seed(seed).seed2(seed2)),
        tf.constant(std));
  }
}
