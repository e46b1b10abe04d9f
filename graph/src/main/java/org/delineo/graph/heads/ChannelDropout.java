package org.delineo.graph.heads;

import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * PyTorch's {@code nn.Dropout2d} on NHWC maps, as mmseg's decode heads use it before
 * {@code conv_seg}: in TRAIN whole channels of each sample are zeroed with probability
 * {@code rate} (one draw per [n, c], broadcast over H and W) and survivors are scaled by
 * 1 / (1 − rate); otherwise, and for rate 0, the input passes unchanged.
 */
final class ChannelDropout extends Module implements Layer {
  private final float rate;
  private final Map<Graph, Integer> applications = new WeakHashMap<>();

  /** @param rate probability of dropping a channel, in [0, 1) */
  ChannelDropout(String name, float rate) {
    super(name);
    if (!(rate >= 0f && rate < 1f)) {
      throw new DelineoException(name + ": dropout rate must lie in [0, 1), found " + rate);
    }
    this.rate = rate;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    if (!ctx.training() || rate == 0f) {
      return input;
    }
    Ops tf = ctx.tf();
    Operand<TInt32> shape = tf.shape(input);
    // [N, 1, 1, C]: the mask is shared by every pixel of a channel.
    Operand<TInt32> maskShape = tf.concat(List.of(
        tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {1})),
        tf.constant(new int[] {1, 1}),
        tf.slice(shape, tf.constant(new int[] {3}), tf.constant(new int[] {1}))),
        tf.constant(0));
    Operand<TFloat32> uniform = uniform(ctx, maskShape);
    Operand<TFloat32> kept =
        tf.dtypes.cast(tf.math.greaterEqual(uniform, tf.constant(rate)), TFloat32.class);
    return tf.math.mul(input, tf.math.mul(kept, tf.constant(1f / (1f - rate))));
  }

  /**
   * Uniforms in [0, 1) seeded by the module name (a later application in the same graph by
   * {@code name#k}, so its mask is independent); stateless and keyed by the step when the context
   * has a random step, so a resumed run draws the masks an uninterrupted one would.
   */
  private Operand<TFloat32> uniform(GraphContext ctx, Operand<TInt32> shape) {
    int k;
    synchronized (applications) {
      k = applications.merge(ctx.graph(), 1, Integer::sum) - 1;
    }
    long seed = ctx.opSeed(k == 0 ? name() : name() + "#" + k);
    long seed2 = (seed * 0xC2B2AE3D27D4EB4FL >>> 33) | 1L;
    Ops tf = ctx.tf();
    if (ctx.randomStep().isPresent()) {
      Operand<TInt64> key = tf.stack(List.of(tf.constant(seed ^ seed2), ctx.randomStep().get()));
      return tf.random.statelessRandomUniform(shape, key, TFloat32.class);
    }
    return tf.random.randomUniform(shape, TFloat32.class, RandomUniform.seed(seed).seed2(seed2));
  }
}
