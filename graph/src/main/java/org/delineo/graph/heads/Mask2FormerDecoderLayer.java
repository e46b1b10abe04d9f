package org.delineo.graph.heads;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.LayerNorm;
import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * One layer of Mask2Former's transformer decoder, mmdet's {@code Mask2FormerTransformerDecoderLayer}
 * ({@code mmdet/models/layers/transformer/mask2former_layers.py}, forward lines 113–135): masked
 * cross-attention of the queries to one memory level, then self-attention of the queries, then the
 * FFN, each followed by its LayerNorm (post-norm):
 *
 * <pre>
 *   q = norms.0(q + cross_attn(q + query_pos, memory + memory_pos, memory, mask))
 *   q = norms.1(q + self_attn(q + query_pos, q + query_pos, q))
 *   q = norms.2(q + ffn(q))
 * </pre>
 *
 * Submodules {@code <name>.cross_attn}, {@code <name>.self_attn} ({@link ResidualMultiheadAttention}),
 * {@code <name>.ffn} ({@link FeedForwardNetwork}) and {@code <name>.norms.0..2} (LayerNorm, eps
 * 1e-5). Rows of the mask that block every key are unblocked first, as mmdet's head does right
 * before calling each layer ({@code mask2former_head.py} lines 437–439).
 */
public final class Mask2FormerDecoderLayer extends Module {
  private final ResidualMultiheadAttention crossAttn;
  private final ResidualMultiheadAttention selfAttn;
  private final FeedForwardNetwork ffn;
  private final LayerNorm[] norms = new LayerNorm[3];

  /**
   * @param name module path, e.g. {@code decode_head.transformer_decoder.layers.0}
   * @param dim token width
   * @param heads attention heads of both attentions
   * @param feedforward hidden width of the FFN
   */
  public Mask2FormerDecoderLayer(String name, int dim, int heads, int feedforward) {
    super(name);
    // Mask2FormerHead.init_weights: xavier_normal_ on every decoder parameter of rank above 1.
    this.crossAttn = new ResidualMultiheadAttention(child("cross_attn"), dim, heads, TransformerInits.xavierNormal());
    this.selfAttn = new ResidualMultiheadAttention(child("self_attn"), dim, heads, TransformerInits.xavierNormal());
    this.ffn = new FeedForwardNetwork(child("ffn"), dim, feedforward, TransformerInits.xavierNormal());
    for (int i = 0; i < norms.length; i++) {
      norms[i] = new LayerNorm(child("norms." + i));
    }
  }

  /**
   * @param query [B, Q, C]
   * @param memory [B, K, C] one level's memory tokens (level embedding already added)
   * @param queryPos [B, Q, C] or [Q, C]: the query embedding
   * @param memoryPos [B, K, C]: the memory's positional code
   * @param blocked null, or [B, Q, K] with true where a query may not attend to a memory token
   * @return the updated queries [B, Q, C]
   */
  public Operand<TFloat32> apply(
      GraphContext ctx,
      Operand<TFloat32> query,
      Operand<TFloat32> memory,
      Operand<TFloat32> queryPos,
      Operand<TFloat32> memoryPos,
      Operand<TBool> blocked) {
    Operand<TBool> open = blocked == null ? null : AttentionMasks.unblockFullRows(ctx.tf(), blocked);
    Operand<TFloat32> q =
        norms[0].apply(ctx, crossAttn.apply(ctx, query, memory, memory, queryPos, memoryPos, open));
    q = norms[1].apply(ctx, selfAttn.apply(ctx, q, q, q, queryPos, queryPos, null));
    return norms[2].apply(ctx, ffn.apply(ctx, q));
  }
}
