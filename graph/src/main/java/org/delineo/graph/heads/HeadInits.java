package org.delineo.graph.heads;

import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;

/** The initializers mmseg/mmcv give decode-head weights. */
final class HeadInits {
  private HeadInits() {}

  /**
   * mmcv {@code ConvModule.init_weights}: {@code kaiming_init(conv, nonlinearity='relu')}, whose
   * defaults are fan-out mode and a normal distribution, i.e. N(0, 2 / fan_out).
   */
  static Initializer kaimingFanOut() {
    return Initializers.kaimingNormalFanOut();
  }

  /**
   * mmengine {@code caffe2_xavier_init}: {@code kaiming_uniform_(a=1, mode='fan_in',
   * nonlinearity='leaky_relu')}, gain √(2 / (1 + 1²)) = 1, so U(−b, b) with b = √(3 / fan_in)
   * (= {@link Initializers#heUniform()}'s √(6 / fan_in) / √2).
   */
  static Initializer caffe2Xavier() {
    Initializer heUniform = Initializers.heUniform();
    return (tf, shape, seed) -> tf.math.mul(heUniform.create(tf, shape, seed), tf.constant((float) Math.sqrt(0.5)));
  }

  /** mmseg {@code BaseDecodeHead}: {@code conv_seg} weights N(0, 0.01²) (bias zero). */
  static Initializer convSeg() {
    return Initializers.normal(0.01f);
  }
}
