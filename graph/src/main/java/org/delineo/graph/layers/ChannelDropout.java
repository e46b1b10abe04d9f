package org.delineo.graph.layers;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * PyTorch's {@code nn.Dropout2d} on NHWC maps, as mmseg's decode heads use it before
 * {@code conv_seg}: in TRAIN whole channels of each sample are zeroed with probability
 * {@code rate} (one draw per [n, c], broadcast over H and W) and survivors are scaled by
 * 1 / (1 − rate); otherwise, and for rate 0, the input passes unchanged. Seeded like
 * {@link Dropout} (stateless and keyed by the step when the context has a random step).
 */
public final class ChannelDropout extends Module implements Layer {
  private final float rate;
  private final SeedSequence seeds;

  /** @param rate probability of dropping a channel, in [0, 1) */
  public ChannelDropout(String name, float rate) {
    super(name);
    this.rate = Dropout.checkRate(name, rate);
    this.seeds = new SeedSequence(name);
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
    return tf.math.mul(input, Dropout.keepMask(tf, seeds.uniform(ctx, maskShape), rate));
  }
}
