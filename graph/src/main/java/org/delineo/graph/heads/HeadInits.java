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

  /** mmseg {@code BaseDecodeHead}: {@code conv_seg} weights N(0, 0.01²) (bias zero). */
  static Initializer convSeg() {
    return Initializers.normal(0.01f);
  }
}
