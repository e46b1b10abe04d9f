package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.LayerNorm;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * One Mix Transformer encoder layer, mmseg's {@code TransformerEncoderLayer} of {@code mit.py}:
 * pre-norm residuals {@code x = x + DropPath(attn(norm1(x)))}, then
 * {@code x = x + DropPath(ffn(norm2(x)))}, with {@code <name>.norm1}, {@code <name>.attn},
 * {@code <name>.norm2}, {@code <name>.ffn}.
 */
final class MitBlock extends Module implements Layer {
  private final LayerNorm norm1;
  private final EfficientSelfAttention attn;
  private final LayerNorm norm2;
  private final MixFfn ffn;

  /**
   * @param name module path, e.g. {@code backbone.layers.2.1.17}
   * @param dim token width
   * @param heads attention heads
   * @param srRatio spatial-reduction ratio of keys and values
   * @param mlpRatio Mix-FFN hidden width / dim
   * @param dropPathRate stochastic-depth rate of both residual branches
   * @param eps epsilon of every LayerNorm
   */
  MitBlock(String name, int dim, int heads, int srRatio, int mlpRatio, float dropPathRate, float eps) {
    super(name);
    this.norm1 = new LayerNorm(child("norm1"), eps);
    this.attn = new EfficientSelfAttention(child("attn"), dim, heads, srRatio, eps, dropPathRate);
    this.norm2 = new LayerNorm(child("norm2"), eps);
    this.ffn = new MixFfn(child("ffn"), dim, mlpRatio * dim, dropPathRate);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x = attn.apply(ctx, norm1.apply(ctx, input), input);
    return ffn.apply(ctx, norm2.apply(ctx, x), x);
  }
}
