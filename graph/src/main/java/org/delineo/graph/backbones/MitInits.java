package org.delineo.graph.backbones;

import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;

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
    return Initializers.normal(std);
  }

  /** A dense conv kernel (HWIO): N(0, 2 / (kh·kw·out)). */
  static Initializer convFanOut() {
    return Initializers.kaimingNormalFanOut();
  }
}
