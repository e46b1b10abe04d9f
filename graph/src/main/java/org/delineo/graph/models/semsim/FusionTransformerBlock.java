package org.delineo.graph.models.semsim;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.LayerNorm;
import org.delineo.graph.layers.Mlp;
import org.delineo.graph.layers.MultiHeadAttention;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The one pre-norm transformer block of SemSim's fusion module (SEMSIM Eq. 15) on token sequences
 * [B, L, dim]: {@code x + MSA(LN(x))}, then {@code y + MLP(LN(y))}, without dropout. Variables:
 * {@code <name>.norm1.*}, {@code <name>.attn.{q,k,v,proj}.*}, {@code <name>.norm2.*},
 * {@code <name>.mlp.{fc1,fc2}.*}.
 */
public final class FusionTransformerBlock extends Module implements Layer {
  private final LayerNorm norm1;
  private final MultiHeadAttention attn;
  private final LayerNorm norm2;
  private final Mlp mlp;

  /**
   * @param dim token width, divisible by {@code heads}
   * @param heads attention heads
   * @param hidden MLP hidden width
   */
  public FusionTransformerBlock(String name, long dim, int heads, long hidden) {
    super(name);
    this.norm1 = new LayerNorm(child("norm1"));
    this.attn = new MultiHeadAttention(child("attn"), dim, heads);
    this.norm2 = new LayerNorm(child("norm2"));
    this.mlp = new Mlp(child("mlp"), hidden, dim, 0f);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    Operand<TFloat32> attended = tf.math.add(input, attn.apply(ctx, norm1.apply(ctx, input)));
    return tf.math.add(attended, mlp.apply(ctx, norm2.apply(ctx, attended)));
  }
}
