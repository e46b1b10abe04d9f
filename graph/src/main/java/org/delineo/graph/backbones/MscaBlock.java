package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.DropPath;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's {@code MSCABlock} on NHWC maps:
 * {@code x = x + drop_path(layer_scale_1 · attn(norm1(x)))}, then
 * {@code x = x + drop_path(layer_scale_2 · mlp(norm2(x)))}, with batch norms {@code norm1} /
 * {@code norm2}, the {@link MscaSpatialAttention} {@code attn}, the {@link ConvFfn} {@code mlp} (fc1, dwconv, fc2)
 * of hidden width {@code int(channels · mlp_ratio)}, and per-channel layer scales
 * {@code layer_scale_1} / {@code layer_scale_2} [C] starting at 1e-2. One drop-path module serves
 * both branches, as in mmseg (each application draws its own mask).
 */
final class MscaBlock extends Module implements Layer {
  /** mmseg's {@code layer_scale_init_value}. */
  static final float LAYER_SCALE_INIT = 1e-2f;

  private final int channels;
  private final BatchNorm norm1;
  private final MscaSpatialAttention attn;
  private final BatchNorm norm2;
  private final ConvFfn mlp;
  private final DropPath dropPath;

  /**
   * @param mlpRatio hidden width of the MLP over {@code channels}
   * @param dropPath stochastic-depth rate of this block, in [0, 1)
   */
  MscaBlock(String name, int channels, int mlpRatio, float dropPath, int squareKernel, int[] stripLengths) {
    super(name);
    this.channels = channels;
    this.norm1 = new BatchNorm(child("norm1"));
    this.attn = new MscaSpatialAttention(child("attn"), channels, squareKernel, stripLengths);
    this.norm2 = new BatchNorm(child("norm2"));
    this.mlp = new ConvFfn(child("mlp"), channels, channels * mlpRatio, "fc1", "dwconv", "fc2");
    this.dropPath = new DropPath(child("drop_path"), dropPath);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = tf.math.add(input,
        dropPath.apply(ctx, tf.math.mul(layerScale(ctx, 1), attn.apply(ctx, norm1.apply(ctx, input)))));
    return tf.math.add(x,
        dropPath.apply(ctx, tf.math.mul(layerScale(ctx, 2), mlp.apply(ctx, norm2.apply(ctx, x)))));
  }

  /** {@code layer_scale_<k>} [C], broadcast over N, H, W; decayed like a weight, as mmseg's paramwise config does. */
  private Operand<TFloat32> layerScale(GraphContext ctx, int k) {
    return ctx.variables().variable(child("layer_scale_" + k), Shape.of(channels),
        Initializers.constant(LAYER_SCALE_INIT), VariableKind.WEIGHT);
  }
}
