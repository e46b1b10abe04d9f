package org.delineo.graph.backbones;

import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;

/**
 * The initial weights of mmseg's {@code SwinTransformer.init_weights} without a pretrained
 * checkpoint: every {@code nn.Linear} weight {@code trunc_normal_init(std=0.02)} (bounds [−2, 2]
 * absolute, so in effect a plain normal, as {@link MitInits} notes), biases 0, LayerNorms (1, 0).
 * The patch embedding's conv is not touched there and keeps PyTorch's default
 * ({@code kaiming_uniform_(a=√5)}: U(−1/√fan_in, 1/√fan_in)); its bias starts at 0 here, PyTorch's
 * is drawn from the same uniform, which the LayerNorm that follows makes immaterial. The relative
 * position bias tables start at 0 (see {@link WindowAttention}).
 */
final class SwinInits {
  /** Standard deviation of mmseg's linear-layer init. */
  static final float LINEAR_STD = 0.02f;

  private SwinInits() {}

  /** A linear weight: N(0, 0.02²). */
  static Initializer linear() {
    return Initializers.normal(LINEAR_STD);
  }

  /** PyTorch's default conv kernel init: U(−b, b), b = 1/√fan_in = √(6 / fan_in) / √6. */
  static Initializer torchDefaultConv() {
    Initializer heUniform = Initializers.heUniform();
    return (tf, shape, seed) -> tf.math.mul(heUniform.create(tf, shape, seed),
        tf.constant((float) (1.0 / Math.sqrt(6.0))));
  }
}
