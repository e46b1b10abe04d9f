package org.delineo.graph.heads;

import org.delineo.graph.init.Fans;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;

/**
 * The initial values mmdet's Mask2Former head gives its parameters. {@code Mask2FormerHead.init_weights}
 * draws every transformer-decoder parameter of rank above 1 from {@code xavier_normal_}; everything
 * else keeps PyTorch's construction defaults: {@code nn.Linear} weights and biases U(−1/√fan_in,
 * 1/√fan_in) (kaiming_uniform with a = √5), {@code nn.MultiheadAttention}'s in-projection bias and
 * out-projection bias 0, {@code nn.Embedding} N(0, 1), LayerNorm ones and zeros.
 */
final class TransformerInits {
  private TransformerInits() {}

  /** {@code xavier_normal_}: N(0, 2 / (fan_in + fan_out)), the decoder's rank-2 parameters. */
  static Initializer xavierNormal() {
    return Initializers.xavierNormal();
  }

  /** {@code nn.Embedding}'s default N(0, 1): queries and level embeddings. */
  static Initializer embedding() {
    return Initializers.normal(1f);
  }

  /** {@code nn.Linear}'s default weight U(±1/√fan_in), fan_in = rows of our [in, out] layout. */
  static Initializer torchLinearWeight() {
    return (tf, shape, seed) -> uniform(tf, shape, seed, Fans.of(shape).in());
  }

  /** {@code nn.Linear}'s default bias U(±1/√fan_in), where fan_in is the layer's input width. */
  static Initializer torchLinearBias(long fanIn) {
    return (tf, shape, seed) -> uniform(tf, shape, seed, fanIn);
  }

  private static Operand<TFloat32> uniform(Ops tf, Shape shape, long seed, long fanIn) {
    float bound = (float) (1.0 / Math.sqrt(fanIn));
    // Both op seeds fixed (seed2 odd, never 0) so the draw is the same in every run.
    long seed2 = (seed * 0x2545F4914F6CDD1DL >>> 33) | 1L;
    Operand<TFloat32> u01 =
        tf.random.randomUniform(tf.constant(shape), TFloat32.class, RandomUniform.seed(seed).seed2(seed2));
    return tf.math.mul(tf.math.sub(tf.math.mul(u01, tf.constant(2f)), tf.constant(1f)), tf.constant(bound));
  }
}
