package org.delineo.graph.backbones;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.DropPath;
import org.delineo.graph.layers.LayerNorm;
import org.delineo.graph.layers.Linear;
import org.delineo.graph.layers.Padding;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.AssertThat;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SegFormer's efficient self-attention, mmseg's {@code EfficientMultiheadAttention}: every token of
 * the map is a query; keys and values come from the map shrunk by a {@code sr × sr} convolution
 * with stride {@code sr} ({@code <name>.sr}) and a LayerNorm ({@code <name>.norm}) when the ratio
 * is above 1, which divides the attention cost by sr². The projections are PyTorch's
 * {@code nn.MultiheadAttention} ({@code <name>.attn}): one fused {@code in_proj_weight} whose
 * columns 0..C−1, C..2C−1, 2C..3C−1 project queries, keys and values (ours is [C, 3C], the
 * transpose of PyTorch's [3C, C]), {@code in_proj_bias} [3C], and {@code out_proj}. The module
 * returns {@code identity + DropPath(attention)}, the residual included, as mmseg's does.
 *
 * <p>Works on NHWC maps directly: row-major flattening of (H, W) is mmseg's token order, and the
 * attention output is reshaped back to the identity's shape.
 */
final class EfficientSelfAttention extends Module {
  private final int dim;
  private final int heads;
  private final int headDim;
  private final float scale;
  private final int srRatio;
  private final Conv2d sr;
  private final LayerNorm norm;
  private final Linear outProj;
  private final DropPath dropPath;

  /**
   * @param name module path, e.g. {@code backbone.layers.0.1.0.attn}
   * @param dim token width C, a multiple of {@code heads}
   * @param heads attention heads
   * @param srRatio spatial-reduction ratio of keys and values (1 = none)
   * @param eps epsilon of the reduction's LayerNorm
   * @param dropPathRate stochastic-depth rate of the residual branch
   */
  EfficientSelfAttention(String name, int dim, int heads, int srRatio, float eps, float dropPathRate) {
    super(name);
    if (dim < 1 || heads < 1 || dim % heads != 0) {
      throw new DelineoException(name + ": width must be a positive multiple of the " + heads
          + " heads, found " + dim);
    }
    if (srRatio < 1) {
      throw new DelineoException(name + ": sr_ratio must be >= 1, found " + srRatio);
    }
    this.dim = dim;
    this.heads = heads;
    this.headDim = dim / heads;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.srRatio = srRatio;
    this.sr = srRatio > 1
        ? Conv2d.builder(child("sr"), dim).kernel(srRatio).stride(srRatio).padding(Padding.VALID)
            .bias(true).init(MitInits.convFanOut()).build()
        : null;
    this.norm = srRatio > 1 ? new LayerNorm(child("norm"), eps) : null;
    this.outProj = new Linear(child("attn.out_proj"), dim, true, MitInits.normal(MitInits.LINEAR_STD));
    this.dropPath = new DropPath(child("dropout_layer"), dropPathRate);
  }

  /**
   * @param x the normalised map [B, H, W, C] (queries, and keys/values before the reduction)
   * @param identity the residual [B, H, W, C] (the block's input before its norm)
   * @return identity + DropPath(out_proj(attention)), [B, H, W, C]
   */
  Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> x, Operand<TFloat32> identity) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() != 4 || s.get(3) != dim) {
      throw new ShapeMismatchException(name() + ": expected a map [N, H, W, " + dim + "], found " + s);
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> keyValue = sr == null ? x : norm.apply(ctx, sr.apply(ctx, reducible(tf, x)));
    // PyTorch's MultiheadAttention: in_proj_weight xavier-uniform (fan_in C, fan_out 3C either way
    // round), in_proj_bias zero; mmseg's init_weights leaves both alone (not an nn.Linear).
    Operand<TFloat32> weight = ctx.variables().variable(child("attn.in_proj_weight"), Shape.of(dim, 3L * dim),
        Initializers.xavierUniform(), VariableKind.WEIGHT);
    Operand<TFloat32> bias = ctx.variables().variable(child("attn.in_proj_bias"), Shape.of(3L * dim),
        Initializers.zeros(), VariableKind.BIAS);
    List<Operand<TFloat32>> w = List.copyOf(tf.split(tf.constant(1), weight, 3L).output());
    List<Operand<TFloat32>> b = List.copyOf(tf.split(tf.constant(0), bias, 3L).output());
    Operand<TInt32> batch = tf.stridedSlice(tf.shape(x), Indices.slice(0, 1));
    // PyTorch scales the projected queries by head_dim^-1/2 before the product.
    Operand<TFloat32> q = splitHeads(tf, tf.math.mul(project(tf, x, w.get(0), b.get(0)), tf.constant(scale)), batch);
    Operand<TFloat32> k = splitHeads(tf, project(tf, keyValue, w.get(1), b.get(1)), batch);
    Operand<TFloat32> v = splitHeads(tf, project(tf, keyValue, w.get(2), b.get(2)), batch);
    Operand<TFloat32> logits = tf.train.batchMatMul(q, k, TFloat32.class, BatchMatMul.adjY(true)); // [B, h, N, M]
    Operand<TFloat32> mixed = tf.train.batchMatMul(tf.nn.softmax(logits), v, TFloat32.class); // [B, h, N, d]
    Operand<TFloat32> merged = tf.reshape(tf.linalg.transpose(mixed, tf.constant(new int[] {0, 2, 1, 3})),
        tf.constant(new long[] {-1, dim}));
    Operand<TFloat32> out = tf.reshape(outProj.apply(ctx, merged), tf.shape(identity));
    return tf.math.add(identity, dropPath.apply(ctx, out));
  }

  /**
   * {@code x}, checked to be at least {@code sr × sr}: PyTorch refuses a kernel larger than its
   * input, where TF would return an empty map, and oneDNN's convolution backprop then aborts the
   * process. A static size is checked now; a size known only when the step runs (training and
   * export graphs have free sizes) by an assertion that names this module.
   */
  private Operand<TFloat32> reducible(Ops tf, Operand<TFloat32> x) {
    long h = x.shape().get(1);
    long w = x.shape().get(2);
    if ((h >= 0 && h < srRatio) || (w >= 0 && w < srRatio)) {
      throw new ShapeMismatchException(name() + ": keys and values are reduced by a " + srRatio + " x " + srRatio
          + " conv with stride " + srRatio + ", which needs a map of at least that size, found " + h + " x " + w
          + " (use larger inputs or smaller sr_ratios)");
    }
    if (h >= 0 && w >= 0) {
      return x;
    }
    Operand<TInt32> size = tf.stridedSlice(tf.shape(x), Indices.slice(1, 3));
    AssertThat check = tf.assertThat(
        tf.reduceAll(tf.math.greaterEqual(size, tf.constant(new int[] {srRatio, srRatio})), tf.constant(0)),
        List.of(tf.constant(name() + ": keys and values are reduced by a " + srRatio + " x " + srRatio
            + " conv with stride " + srRatio + ", which needs a map of at least that size; found (H, W) ="), size));
    return tf.withControlDependencies(List.of(check)).identity(x);
  }

  /** [B, H, W, C] tokens times a [C, C] block of the fused projection, as rows [B·H·W, C]. */
  private Operand<TFloat32> project(Ops tf, Operand<TFloat32> map, Operand<TFloat32> w, Operand<TFloat32> b) {
    Operand<TFloat32> rows = tf.reshape(map, tf.constant(new long[] {-1, dim}));
    return tf.math.add(tf.linalg.matMul(rows, w), b);
  }

  /** Rows [B·L, C] → [B, heads, L, head_dim]. */
  private Operand<TFloat32> splitHeads(Ops tf, Operand<TFloat32> rows, Operand<TInt32> batch) {
    Operand<TInt32> target = tf.concat(List.of(batch, tf.constant(new int[] {-1, heads, headDim})), tf.constant(0));
    return tf.linalg.transpose(tf.reshape(rows, target), tf.constant(new int[] {0, 2, 1, 3}));
  }
}
