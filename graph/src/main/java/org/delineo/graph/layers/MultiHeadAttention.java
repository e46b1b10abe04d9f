package org.delineo.graph.layers;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;

/**
 * Multi-head scaled dot-product attention on token sequences [B, N, dim] (timm / PyTorch
 * semantics): separate Linear projections {@code q}, {@code k}, {@code v}, softmax(q·kᵀ/√head_dim +
 * mask)·v per head, attention dropout, output Linear {@code proj} and projection dropout. Variables
 * are {@code <name>.q.weight}, {@code <name>.q.bias}, ... {@code <name>.proj.bias}.
 *
 * <p>As a {@link Layer} it is self-attention without a mask; {@link #apply(GraphContext, Operand,
 * Operand, Operand)} is cross-attention with an optional additive mask.
 */
public final class MultiHeadAttention extends Module implements Layer {
  private final long dim;
  private final int heads;
  private final long headDim;
  private final float scale;
  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final Linear proj;
  private final Dropout attnDrop;
  private final Dropout projDrop;

  /** Attention with biased q/k/v projections and no dropout. */
  public MultiHeadAttention(String name, long dim, int heads) {
    this(name, dim, heads, true, 0f, 0f);
  }

  /**
   * @param dim token width of queries, keys/values and output; divisible by {@code heads}
   * @param heads number of attention heads
   * @param qkvBias whether {@code q}, {@code k}, {@code v} have biases ({@code proj} always has one)
   * @param attnDropout dropout rate on the attention weights
   * @param projDropout dropout rate on the output
   */
  public MultiHeadAttention(
      String name, long dim, int heads, boolean qkvBias, float attnDropout, float projDropout) {
    super(name);
    if (heads < 1 || dim < 1 || dim % heads != 0) {
      throw new DelineoException(
          name + ": dim must be a positive multiple of heads = " + heads + ", found dim " + dim);
    }
    this.dim = dim;
    this.heads = heads;
    this.headDim = dim / heads;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.q = new Linear(child("q"), dim, qkvBias);
    this.k = new Linear(child("k"), dim, qkvBias);
    this.v = new Linear(child("v"), dim, qkvBias);
    this.proj = new Linear(child("proj"), dim);
    this.attnDrop = new Dropout(child("attn_drop"), attnDropout);
    this.projDrop = new Dropout(child("proj_drop"), projDropout);
  }

  /** Self-attention of {@code input} [B, N, dim] with itself, no mask. */
  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    return apply(ctx, input, input, null);
  }

  /** Cross-attention of {@code query} [B, Nq, dim] to {@code keyValue} [B, Nk, dim], no mask. */
  public Operand<TFloat32> apply(
      GraphContext ctx, Operand<TFloat32> query, Operand<TFloat32> keyValue) {
    return apply(ctx, query, keyValue, null);
  }

  /**
   * Cross-attention of {@code query} [B, Nq, dim] to {@code keyValue} [B, Nk, dim]; returns [B, Nq,
   * dim].
   *
   * @param additiveMask null, or a float tensor broadcastable to [B, heads, Nq, Nk] (e.g. [B, 1, Nq,
   *     Nk] or [Nq, Nk]) added to the scaled logits before the softmax; use −1e9 to block a key
   */
  public Operand<TFloat32> apply(
      GraphContext ctx,
      Operand<TFloat32> query,
      Operand<TFloat32> keyValue,
      Operand<TFloat32> additiveMask) {
    checkTokens(query, "query");
    checkTokens(keyValue, "keyValue");
    Ops tf = ctx.tf();
    // Scaling q before the product (as timm) keeps the logits' magnitude bounded in float32.
    Operand<TFloat32> qh = splitHeads(tf, tf.math.mul(q.apply(ctx, query), tf.constant(scale)));
    Operand<TFloat32> kh = splitHeads(tf, k.apply(ctx, keyValue));
    Operand<TFloat32> vh = splitHeads(tf, v.apply(ctx, keyValue));
    Operand<TFloat32> logits =
        tf.train.batchMatMul(qh, kh, TFloat32.class, BatchMatMul.adjY(true)); // [B, H, Nq, Nk]
    if (additiveMask != null) {
      logits = tf.math.add(logits, additiveMask);
    }
    Operand<TFloat32> weights = attnDrop.apply(ctx, tf.nn.softmax(logits));
    Operand<TFloat32> mixed = tf.train.batchMatMul(weights, vh, TFloat32.class); // [B, H, Nq, hd]
    Operand<TFloat32> merged =
        tf.reshape(
            tf.linalg.transpose(mixed, tf.constant(new int[] {0, 2, 1, 3})),
            LayerShapes.reshapeTarget(tf, query, 2, dim));
    return projDrop.apply(ctx, proj.apply(ctx, merged));
  }

  /** [B, N, dim] -> [B, heads, N, head_dim]. */
  private Operand<TFloat32> splitHeads(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> split = tf.reshape(x, LayerShapes.reshapeTarget(tf, x, 2, heads, headDim));
    return tf.linalg.transpose(split, tf.constant(new int[] {0, 2, 1, 3}));
  }

  private void checkTokens(Operand<TFloat32> x, String what) {
    LayerShapes.rank(x, name() + " " + what, 3, 3);
    long width = LayerShapes.lastDim(x, name() + " " + what);
    if (width != dim) {
      throw new ShapeMismatchException(
          name() + " " + what + ": expected token width " + dim + ", found shape " + x.shape());
    }
  }
}
