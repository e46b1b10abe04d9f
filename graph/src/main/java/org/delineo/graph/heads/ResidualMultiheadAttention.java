package org.delineo.graph.heads;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * mmcv's {@code MultiheadAttention} wrapper as the DETR-family decoders use it, batch first
 * ({@code mmcv/cnn/bricks/transformer.py} {@code MultiheadAttention.forward}):
 *
 * <pre>
 *   out = query + out_proj(attention(q = (query + query_pos)·Wq + bq,
 *                                    k = (key + key_pos)·Wk + bk,
 *                                    v = value·Wv + bv))
 * </pre>
 *
 * the positional codes reach queries and keys, never values, and the residual is the query
 * without its code. The attention is PyTorch's {@code nn.MultiheadAttention}: per head softmax(q·kᵀ
 * / √head_dim) · v, head h on channels [h·head_dim, (h+1)·head_dim). Its variables keep PyTorch's
 * names under {@code <name>.attn}: the fused {@code in_proj_weight} (ours [C, 3C], the transpose of
 * PyTorch's [3C, C]; columns 0..C−1 project queries, C..2C−1 keys, 2C..3C−1 values),
 * {@code in_proj_bias} [3C] and {@code out_proj.weight/bias}. Dropouts are 0 in Mask2Former and are
 * left out.
 *
 * <p>A boolean mask [B, Nq, Nk] blocks keys as PyTorch's boolean {@code attn_mask} does (true =
 * blocked, score −∞): here by adding −1e9 to the blocked scores, which gives the same weights (exp
 * underflows to exactly 0 in float32) as long as every row keeps one key open; a row blocked
 * everywhere would be NaN in PyTorch, and callers unblock such rows first
 * ({@link AttentionMasks#unblockFullRows}).
 */
public final class ResidualMultiheadAttention extends Module {
  /** Added to blocked scores: far below any real score, so their weights are exactly 0. */
  static final float BLOCKED_SCORE = -1e9f;

  private final int dim;
  private final int heads;
  private final int headDim;
  private final float scale;
  private final Initializer weightInit;
  private final Linear outProj;

  /**
   * @param name module path, e.g. {@code decode_head.transformer_decoder.layers.0.cross_attn}
   * @param dim token width C ({@code embed_dims}), a positive multiple of {@code heads}
   * @param heads attention heads
   * @param weightInit initializer of {@code in_proj_weight} and {@code out_proj.weight} (the
   *     biases start at 0, as PyTorch's {@code _reset_parameters} sets them)
   */
  public ResidualMultiheadAttention(String name, int dim, int heads, Initializer weightInit) {
    super(name);
    if (heads < 1 || dim < 1 || dim % heads != 0) {
      throw new DelineoException(
          name + ": embed_dims must be a positive multiple of num_heads = " + heads + ", found " + dim);
    }
    this.dim = dim;
    this.heads = heads;
    this.headDim = dim / heads;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.weightInit = weightInit;
    this.outProj = new Linear(child("attn.out_proj"), dim, true, weightInit);
  }

  /**
   * @param query [B, Nq, C]
   * @param key [B, Nk, C]
   * @param value [B, Nk, C]
   * @param queryPos null, or a code broadcastable to {@code query} added to it before the projection
   * @param keyPos null, or a code broadcastable to {@code key} added to it before the projection
   * @param blocked null, or [B, Nq, Nk]: true where a query may not attend to a key
   * @return query + attention output, [B, Nq, C]
   */
  public Operand<TFloat32> apply(
      GraphContext ctx,
      Operand<TFloat32> query,
      Operand<TFloat32> key,
      Operand<TFloat32> value,
      Operand<TFloat32> queryPos,
      Operand<TFloat32> keyPos,
      Operand<TBool> blocked) {
    checkTokens(query, "query");
    checkTokens(key, "key");
    checkTokens(value, "value");
    Ops tf = ctx.tf();
    Operand<TFloat32> weight = ctx.variables().variable(child("attn.in_proj_weight"), Shape.of(dim, 3L * dim),
        weightInit, VariableKind.WEIGHT);
    Operand<TFloat32> bias = ctx.variables().variable(child("attn.in_proj_bias"), Shape.of(3L * dim),
        Initializers.zeros(), VariableKind.BIAS);
    List<Operand<TFloat32>> w = List.copyOf(tf.split(tf.constant(1), weight, 3L).output());
    List<Operand<TFloat32>> b = List.copyOf(tf.split(tf.constant(0), bias, 3L).output());
    Operand<TFloat32> q = project(tf, withCode(tf, query, queryPos), w.get(0), b.get(0));
    Operand<TFloat32> k = project(tf, withCode(tf, key, keyPos), w.get(1), b.get(1));
    Operand<TFloat32> v = project(tf, value, w.get(2), b.get(2));
    // PyTorch scales the projected queries by head_dim^-1/2 before the product.
    Operand<TFloat32> qh = splitHeads(tf, tf.math.mul(q, tf.constant(scale)));
    Operand<TFloat32> logits =
        tf.train.batchMatMul(qh, splitHeads(tf, k), TFloat32.class, BatchMatMul.adjY(true)); // [B, h, Nq, Nk]
    if (blocked != null) {
      Operand<TFloat32> penalty =
          tf.math.mul(tf.dtypes.cast(blocked, TFloat32.class), tf.constant(BLOCKED_SCORE));
      logits = tf.math.add(logits, tf.stopGradient(tf.expandDims(penalty, tf.constant(1))));
    }
    Operand<TFloat32> mixed =
        tf.train.batchMatMul(tf.nn.softmax(logits), splitHeads(tf, v), TFloat32.class); // [B, h, Nq, hd]
    Operand<TFloat32> merged = tf.reshape(
        tf.linalg.transpose(mixed, tf.constant(new int[] {0, 2, 1, 3})), tokensShape(tf, query));
    return tf.math.add(query, outProj.apply(ctx, merged));
  }

  private static Operand<TFloat32> withCode(Ops tf, Operand<TFloat32> x, Operand<TFloat32> code) {
    return code == null ? x : tf.math.add(x, code);
  }

  /** [B, N, C] tokens times a [C, C] block of the fused projection plus its bias: [B, N, C]. */
  private Operand<TFloat32> project(Ops tf, Operand<TFloat32> x, Operand<TFloat32> w, Operand<TFloat32> b) {
    Operand<TFloat32> rows = tf.reshape(x, tf.constant(new long[] {-1, dim}));
    return tf.reshape(tf.math.add(tf.linalg.matMul(rows, w), b), tokensShape(tf, x));
  }

  /** [B, N, C] → [B, heads, N, head_dim]. */
  private Operand<TFloat32> splitHeads(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> leading = tf.stridedSlice(tf.shape(x), Indices.slice(0, 2));
    Operand<TInt32> target = tf.concat(List.of(leading, tf.constant(new int[] {heads, headDim})), tf.constant(0));
    return tf.linalg.transpose(tf.reshape(x, target), tf.constant(new int[] {0, 2, 1, 3}));
  }

  /** The shape [B, N, C] of {@code x}'s tokens, with B and N read when the graph runs. */
  private Operand<TInt32> tokensShape(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> leading = tf.stridedSlice(tf.shape(x), Indices.slice(0, 2));
    return tf.concat(List.of(leading, tf.constant(new int[] {dim})), tf.constant(0));
  }

  private void checkTokens(Operand<TFloat32> x, String what) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() != 3 || s.get(2) != dim) {
      throw new ShapeMismatchException(
          name() + " " + what + ": expected tokens [B, N, " + dim + "], found shape " + s);
    }
  }
}
