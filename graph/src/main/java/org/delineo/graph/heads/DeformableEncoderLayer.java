package org.delineo.graph.heads;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.LayerNorm;
import org.delineo.graph.layers.MapSize;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * One layer of mmdet's Deformable-DETR encoder ({@code DeformableDetrTransformerEncoderLayer}, whose
 * {@code forward} is {@code DetrTransformerEncoderLayer.forward} in
 * {@code mmdet/models/layers/transformer/detr_layers.py}), post-norm:
 *
 * <pre>
 *   x = norms.0(self_attn(query=x, value=x, query_pos=pos))     (residual inside the attention)
 *   x = norms.1(ffn(x))                                          (residual inside the FFN)
 * </pre>
 *
 * <p>Weights as the Mask2Former pixel decoder initialises its encoder: every matrix Xavier-normal
 * ({@code MSDeformAttnPixelDecoder.init_weights}), then the attention's own init, which
 * {@link MultiScaleDeformableAttention} applies; LayerNorms (1, 0), eps 1e-5; the FFN's biases keep
 * nn.Linear's default U(±1/√fan_in) (rank 1, untouched by {@code init_weights}).
 */
public final class DeformableEncoderLayer extends Module {
  private final MultiScaleDeformableAttention selfAttn;
  private final LayerNorm norm0;
  private final FeedForwardNetwork ffn;
  private final LayerNorm norm1;

  /**
   * @param name module path, e.g. {@code decode_head.pixel_decoder.encoder.layers.0}
   * @param dims token width C
   * @param heads attention heads
   * @param levels feature levels
   * @param points sampling points per head and level
   * @param ffnHidden the FFN's hidden width
   */
  public DeformableEncoderLayer(String name, int dims, int heads, int levels, int points, int ffnHidden) {
    super(name);
    this.selfAttn = new MultiScaleDeformableAttention(child("self_attn"), dims, heads, levels, points);
    this.norm0 = new LayerNorm(child("norms.0"));
    this.ffn = new FeedForwardNetwork(child("ffn"), dims, ffnHidden, Initializers.xavierNormal());
    this.norm1 = new LayerNorm(child("norms.1"));
  }

  /**
   * @param x tokens [N, S, C] of every level, one after another
   * @param pos their position (and level) codes, [N, S, C] or broadcastable
   * @param referencePoints [N or 1, S, L or 1, 2]
   * @param levelSizes the levels' sizes in token order
   * @return [N, S, C]
   */
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> x, Operand<TFloat32> pos,
      Operand<TFloat32> referencePoints, List<MapSize> levelSizes) {
    Operand<TFloat32> attended = norm0.apply(ctx, selfAttn.apply(ctx, x, pos, x, referencePoints, levelSizes));
    return norm1.apply(ctx, ffn.apply(ctx, attended));
  }
}
