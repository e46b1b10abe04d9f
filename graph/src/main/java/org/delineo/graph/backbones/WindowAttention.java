package org.delineo.graph.backbones;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;

/**
 * Window multi-head self-attention with a relative position bias (W-MSA), mmseg's {@code WindowMSA}:
 * every token attends to the tokens of its own size × size window. One fused projection
 * {@code <name>.qkv} (with bias; ours [C, 3C], PyTorch's [3C, C] transposed) whose output columns
 * are (q, k, v) × heads × head_dim in that nesting, queries scaled by head_dim^−1/2, a learned bias
 * per head and relative offset added to the logits ({@code <name>.relative_position_bias_table}
 * [(2·size − 1)², heads], read through {@link RelativePositionIndex}), an optional additive mask
 * (the shifted windows'), softmax over the keys, and the output projection {@code <name>.proj}.
 * Attention and projection dropout are 0 in every Swin config mmseg ships and are left out.
 */
final class WindowAttention extends Module {
  private final int dim;
  private final int heads;
  private final int headDim;
  private final int size;
  private final float scale;
  private final Linear qkv;
  private final Linear proj;

  /**
   * @param name module path, e.g. {@code backbone.stages.0.blocks.0.attn.w_msa}
   * @param dim token width C, a multiple of {@code heads}
   * @param heads attention heads
   * @param size window side (tokens per window: size²)
   */
  WindowAttention(String name, int dim, int heads, int size) {
    super(name);
    if (dim < 1 || heads < 1 || dim % heads != 0) {
      throw new DelineoException(name + ": width must be a positive multiple of the " + heads + " heads, found "
          + dim);
    }
    if (size < 1) {
      throw new DelineoException(name + ": window size must be positive, found " + size);
    }
    this.dim = dim;
    this.heads = heads;
    this.headDim = dim / heads;
    this.size = size;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.qkv = new Linear(child("qkv"), 3L * dim, true, SwinInits.linear());
    this.proj = new Linear(child("proj"), dim, true, SwinInits.linear());
  }

  /**
   * @param windows tokens [B·nW, size², C], windows in {@link SwinWindows#partition}'s order
   * @param mask null, or the additive mask [nW, size², size²] shared by every image
   * @return the attended tokens [B·nW, size², C]
   */
  Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> windows, Operand<TFloat32> mask) {
    int n = size * size;
    Shape s = windows.shape();
    if (s.isUnknown() || s.numDimensions() != 3 || s.get(1) != n || s.get(2) != dim) {
      throw new ShapeMismatchException(name() + ": expected windows [B*nW, " + n + ", " + dim + "], found " + s);
    }
    Ops tf = ctx.tf();
    // [B', N, 3C] → [B', N, 3, heads, head_dim] → [3, B', heads, N, head_dim], mmseg's permute(2, 0, 3, 1, 4).
    Operand<TFloat32> fused = tf.reshape(qkv.apply(ctx, windows), tf.constant(new int[] {-1, n, 3, heads, headDim}));
    List<Output<TFloat32>> qkvs = tf.unstack(tf.linalg.transpose(fused, tf.constant(new int[] {2, 0, 3, 1, 4})), 3L)
        .output();
    Operand<TFloat32> q = tf.math.mul(qkvs.get(0), tf.constant(scale));
    Operand<TFloat32> logits = tf.train.batchMatMul(q, qkvs.get(1), TFloat32.class, BatchMatMul.adjY(true));
    logits = tf.math.add(logits, positionBias(ctx)); // [B', heads, N, N] + [heads, N, N]
    if (mask != null) {
      // [B·nW, ...] → [B, nW, ...] so that window w of every image gets mask row w.
      Extent windowCount = Extent.of(tf, mask, 0);
      Extent h = Extent.of(heads);
      Extent t = Extent.of(n);
      Operand<TFloat32> perImage = tf.reshape(logits, Extent.vector(tf, Extent.INFERRED, windowCount, h, t, t));
      logits = tf.reshape(tf.math.add(perImage, tf.expandDims(mask, tf.constant(1))),
          tf.constant(new int[] {-1, heads, n, n}));
    }
    Operand<TFloat32> mixed = tf.train.batchMatMul(tf.nn.softmax(logits), qkvs.get(2), TFloat32.class);
    Operand<TFloat32> merged = tf.reshape(tf.linalg.transpose(mixed, tf.constant(new int[] {0, 2, 1, 3})),
        tf.constant(new int[] {-1, n, dim}));
    return proj.apply(ctx, merged);
  }

  /** The bias table's rows gathered by the relative position index, as [heads, N, N]. */
  private Operand<TFloat32> positionBias(GraphContext ctx) {
    Ops tf = ctx.tf();
    int n = size * size;
    // Zeros, as mmseg leaves it when training from scratch: SwinTransformer.init_weights does not
    // call WindowMSA.init_weights (its trunc_normal(0.02)); pretrained checkpoints overwrite it.
    Operand<TFloat32> table = ctx.variables().variable(child("relative_position_bias_table"),
        Shape.of(RelativePositionIndex.tableRows(size), heads), Initializers.zeros(), VariableKind.EMBEDDING);
    Operand<TFloat32> rows = tf.gather(table, tf.constant(RelativePositionIndex.of(size)), tf.constant(0));
    return tf.linalg.transpose(tf.reshape(rows, tf.constant(new int[] {n, n, heads})),
        tf.constant(new int[] {2, 0, 1}));
  }
}
