package org.delineo.graph.layers;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Stochastic depth (timm {@code DropPath}): in TRAIN each sample of the batch is zeroed with
 * probability {@code rate} (one draw per sample, mask shape [B, 1, ..., 1]) and kept samples are
 * scaled by 1 / (1 − rate); in EVAL and PREDICT, and for rate 0, the input is returned unchanged.
 * Seeded like {@link Dropout}.
 */
public final class DropPath extends Module implements Layer {
  private final float rate;
  private final SeedSequence seeds;

  /** @param rate probability of dropping a sample's residual branch, in [0, 1) */
  public DropPath(String name, float rate) {
    super(name);
    this.rate = Dropout.checkRate(name, rate);
    this.seeds = new SeedSequence(name);
  }

  /**
   * The stochastic-depth rate of each of {@code blocks} blocks when the rates rise linearly from 0
   * to {@code rate} over a whole backbone, {@code torch.linspace(0, rate, blocks)} as timm's and
   * mmseg's transformers (MiT, MSCAN) spread them: rate·j / (blocks − 1), and 0 for a single block.
   */
  public static float[] linearRates(float rate, int blocks) {
    if (!(rate >= 0f && rate < 1f)) {
      throw new DelineoException("drop_path_rate must lie in [0, 1), found " + rate);
    }
    float[] out = new float[blocks];
    for (int j = 0; j < blocks && blocks > 1; j++) {
      out[j] = (float) ((double) rate * j / (blocks - 1));
    }
    return out;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    if (!ctx.training() || rate == 0f) {
      return input;
    }
    int rank = LayerShapes.rank(input, name(), 1, Integer.MAX_VALUE);
    long[] ones = new long[rank - 1];
    Arrays.fill(ones, 1L);
    Ops tf = ctx.tf();
    Operand<TFloat32> uniform = seeds.uniform(ctx, LayerShapes.exactShape(tf, input, 1, ones));
    return tf.math.mul(input, Dropout.keepMask(tf, uniform, rate));
  }
}
