package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.LayerNorm;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * One Swin Transformer block, mmseg's {@code SwinBlock}: pre-norm residuals
 * {@code x = x + DropPath(attn(norm1(x)))} with (shifted) window attention, then
 * {@code x = x + DropPath(ffn(norm2(x)))}; variables under {@code <name>.norm1}, {@code <name>.attn.w_msa},
 * {@code <name>.norm2}, {@code <name>.ffn}. LayerNorms have PyTorch's eps 1e-5 (mmseg's
 * {@code norm_cfg=dict(type='LN')} sets none). The block works on NHWC maps: row-major flattening
 * of (H, W) is mmseg's token order.
 */
final class SwinBlock extends Module implements Layer {
  private final LayerNorm norm1;
  private final ShiftedWindowAttention attn;
  private final LayerNorm norm2;
  private final SwinFfn ffn;

  /**
   * @param name module path, e.g. {@code backbone.stages.2.blocks.17}
   * @param dim token width
   * @param heads attention heads
   * @param window window side
   * @param shifted whether the windows are shifted by window // 2 (mmseg: every odd block of a stage)
   * @param mlpRatio FFN hidden width / dim
   * @param dropPathRate stochastic-depth rate of both residual branches
   */
  SwinBlock(String name, int dim, int heads, int window, boolean shifted, int mlpRatio, float dropPathRate) {
    super(name);
    this.norm1 = new LayerNorm(child("norm1"));
    this.attn = new ShiftedWindowAttention(child("attn"), dim, heads, window, shifted ? window / 2 : 0,
        dropPathRate);
    this.norm2 = new LayerNorm(child("norm2"));
    this.ffn = new SwinFfn(child("ffn"), dim, mlpRatio * dim, dropPathRate);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x = ctx.tf().math.add(input, attn.apply(ctx, norm1.apply(ctx, input)));
    return ffn.apply(ctx, norm2.apply(ctx, x), x);
  }
}
