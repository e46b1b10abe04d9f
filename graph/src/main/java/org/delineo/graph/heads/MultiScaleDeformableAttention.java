package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Linear;
import org.delineo.graph.layers.MapSize;
import org.delineo.graph.layers.MultiScaleDeformableSampling;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * mmcv's {@code MultiScaleDeformableAttention} ({@code mmcv/ops/multi_scale_deform_attn.py}) with
 * {@code batch_first=True}, 2-D reference points and dropout 0 (Mask2Former's setting): every query
 * attends, per head, to P points on each of L feature levels placed around its reference point by
 * learned offsets, with learned weights instead of dot products.
 *
 * <pre>
 *   q        = query + query_pos
 *   v        = value_proj(value)                                  [N, S, heads, C / heads]
 *   offsets  = sampling_offsets(q)                                [N, Q, heads, L, P, 2]
 *   A        = softmax over L·P of attention_weights(q)           [N, Q, heads, L, P]
 *   loc      = reference[n, q, l] + offsets / (W_l, H_l)
 *   out      = query + output_proj(Σ_l Σ_p A · bilinear(v_l, loc))     (see MultiScaleDeformableSampling)
 * </pre>
 *
 * <p>Variables, named as mmcv's state dict: {@code sampling_offsets} (C → heads·L·P·2),
 * {@code attention_weights} (C → heads·L·P), {@code value_proj} and {@code output_proj} (C → C),
 * weights [in, out] with bias. The output columns of the first two nest as (head, level, point[, xy]),
 * mmcv's {@code view(bs, Q, heads, L, P, 2)}. Initial values follow mmcv's {@code init_weights}:
 * offsets' weight 0 and bias the "grid init" (head h points along angle 2πh / heads, scaled so the
 * larger coordinate is 1, point p at (p + 1) times that, the same for every level), attention
 * weights 0 (uniform attention), projections Xavier-uniform with zero bias.
 */
public final class MultiScaleDeformableAttention extends Module {
  private final int embedDims;
  private final int heads;
  private final int levels;
  private final int points;
  private final Linear samplingOffsets;
  private final Linear attentionWeights;
  private final Linear valueProj;
  private final Linear outputProj;

  /**
   * @param name module path, e.g. {@code decode_head.pixel_decoder.encoder.layers.0.self_attn}
   * @param embedDims C, a multiple of {@code heads}
   * @param heads attention heads
   * @param levels feature levels L
   * @param points sampling points P per head and level
   */
  public MultiScaleDeformableAttention(String name, int embedDims, int heads, int levels, int points) {
    super(name);
    if (heads < 1 || embedDims < 1 || embedDims % heads != 0) {
      throw new DelineoException(name + ": embed dims must be a positive multiple of the heads (" + heads
          + "), found " + embedDims);
    }
    if (levels < 1 || points < 1) {
      throw new DelineoException(name + ": levels and points must be positive, found " + levels + " and "
          + points);
    }
    this.embedDims = embedDims;
    this.heads = heads;
    this.levels = levels;
    this.points = points;
    float[] grid = gridInit(heads, levels, points);
    this.samplingOffsets = new Linear(child("sampling_offsets"), grid.length, Initializers.zeros(),
        (tf, shape, seed) -> tf.constant(grid));
    this.attentionWeights = new Linear(child("attention_weights"), (long) heads * levels * points, true,
        Initializers.zeros());
    this.valueProj = new Linear(child("value_proj"), embedDims, true, Initializers.xavierUniform());
    this.outputProj = new Linear(child("output_proj"), embedDims, true, Initializers.xavierUniform());
  }

  /**
   * The attended queries, residual included ({@code identity = query}).
   *
   * @param query [N, Q, C]
   * @param queryPos [N, Q, C] (or broadcastable) added to the query for offsets and weights only,
   *     or null
   * @param value [N, S, C], the levels' tokens one after another (S = Σ H_l·W_l)
   * @param referencePoints [N or 1, Q, L or 1, 2] normalised (x, y) in [0, 1]
   * @param levelSizes the L levels' sizes, in the order of their tokens in {@code value}
   * @return [N, Q, C]
   */
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> query, Operand<TFloat32> queryPos,
      Operand<TFloat32> value, Operand<TFloat32> referencePoints, List<MapSize> levelSizes) {
    checkShapes(query, value, referencePoints, levelSizes);
    Ops tf = ctx.tf();
    Operand<TFloat32> q = queryPos == null ? query : tf.math.add(query, queryPos);
    Operand<TFloat32> v = valueProj.apply(ctx, value);
    Operand<TFloat32> perHead = tf.reshape(v, withLeading(tf, v, 2, heads, embedDims / heads));
    Operand<TFloat32> offsets = tf.reshape(samplingOffsets.apply(ctx, q), withLeading(tf, q, 2, heads, levels, points, 2));
    Operand<TFloat32> logits = tf.reshape(attentionWeights.apply(ctx, q), withLeading(tf, q, 2, heads, levels * points));
    Operand<TFloat32> weights = tf.reshape(tf.nn.softmax(logits), withLeading(tf, q, 2, heads, levels, points));
    Operand<TFloat32> locations = tf.math.add(
        tf.expandDims(tf.expandDims(referencePoints, tf.constant(2)), tf.constant(4)), // [B, Q, 1, L, 1, 2]
        tf.math.div(offsets, offsetNormalizer(tf, levelSizes)));
    Operand<TFloat32> sampled = MultiScaleDeformableSampling.sample(tf, perHead, levelSizes, locations, weights);
    return tf.math.add(query, outputProj.apply(ctx, sampled));
  }

  /**
   * mmcv's {@code init_weights} bias of {@code sampling_offsets}, laid out (head, level, point, xy):
   * (cos θ_h, sin θ_h) / max(|cos θ_h|, |sin θ_h|) · (p + 1) with θ_h = 2πh / heads.
   */
  static float[] gridInit(int heads, int levels, int points) {
    float[] bias = new float[heads * levels * points * 2];
    for (int h = 0; h < heads; h++) {
      // float32 as PyTorch: thetas = arange(heads) · (2π / heads), then cos and sin in float32.
      float theta = h * (float) (2.0 * Math.PI / heads);
      float cos = (float) Math.cos(theta);
      float sin = (float) Math.sin(theta);
      float max = Math.max(Math.abs(cos), Math.abs(sin));
      for (int l = 0; l < levels; l++) {
        for (int p = 0; p < points; p++) {
          int at = ((h * levels + l) * points + p) * 2;
          bias[at] = cos / max * (p + 1);
          bias[at + 1] = sin / max * (p + 1);
        }
      }
    }
    return bias;
  }

  /** (W_l, H_l) per level as [L, 1, 2] floats, mmcv's {@code offset_normalizer}. */
  private static Operand<TFloat32> offsetNormalizer(Ops tf, List<MapSize> sizes) {
    List<Operand<TInt32>> rows = new ArrayList<>(sizes.size());
    for (MapSize size : sizes) {
      rows.add(tf.stack(List.of(size.width(), size.height())));
    }
    return tf.reshape(tf.dtypes.cast(tf.stack(rows), TFloat32.class), tf.constant(new int[] {sizes.size(), 1, 2}));
  }

  /** The first {@code leading} dimensions of {@code x} followed by {@code tail}, as a reshape target. */
  private static Operand<TInt32> withLeading(Ops tf, Operand<?> x, int leading, int... tail) {
    Shape s = x.shape();
    boolean known = true;
    for (int i = 0; i < leading; i++) {
      known &= s.get(i) >= 0;
    }
    if (known) {
      int[] target = new int[leading + tail.length];
      for (int i = 0; i < leading; i++) {
        target[i] = Math.toIntExact(s.get(i));
      }
      System.arraycopy(tail, 0, target, leading, tail.length);
      return tf.constant(target);
    }
    return tf.concat(List.of(tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {leading})),
        tf.constant(tail)), tf.constant(0));
  }

  private void checkShapes(Operand<TFloat32> query, Operand<TFloat32> value, Operand<TFloat32> referencePoints,
      List<MapSize> levelSizes) {
    if (levelSizes.size() != levels) {
      throw new ShapeMismatchException(name() + ": built for " + levels + " levels, given " + levelSizes.size());
    }
    Shape qs = query.shape();
    Shape vs = value.shape();
    Shape rs = referencePoints.shape();
    if (qs.isUnknown() || qs.numDimensions() != 3 || qs.get(2) != embedDims) {
      throw new ShapeMismatchException(name() + ": expected query [N, Q, " + embedDims + "], found " + qs);
    }
    if (vs.isUnknown() || vs.numDimensions() != 3 || vs.get(2) != embedDims) {
      throw new ShapeMismatchException(name() + ": expected value [N, S, " + embedDims + "], found " + vs);
    }
    if (rs.isUnknown() || rs.numDimensions() != 4 || rs.get(3) != 2 || (rs.get(2) != 1 && rs.get(2) != levels)) {
      throw new ShapeMismatchException(name() + ": expected reference points [N, Q, " + levels
          + " or 1, 2], found " + rs);
    }
  }
}
