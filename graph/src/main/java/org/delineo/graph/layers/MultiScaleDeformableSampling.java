package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The parameter-free core of multi-scale deformable attention, mmcv's
 * {@code multi_scale_deformable_attn_pytorch} ({@code mmcv/ops/multi_scale_deform_attn.py}): every
 * query, per head, reads each level's value map at its points by bilinear sampling
 * ({@code F.grid_sample(..., mode='bilinear', padding_mode='zeros', align_corners=False)} at
 * {@code 2·location − 1}) and sums the samples weighted by its attention weights:
 *
 * <pre>
 *   out[n, q, h·D + d] = Σ_l Σ_p  A[n, q, h, l, p] · bilinear(V_l[n, :, :, h, d], loc[n, q, h, l, p])
 * </pre>
 *
 * <p>The levels' tokens lie one after another in {@code value} (level l's H_l·W_l tokens in row-major
 * order from index Σ_{k&lt;l} H_k·W_k, mmcv's {@code level_start_index}), each token holding
 * heads × D channels, head-major, as mmcv's {@code value.view(bs, num_value, num_heads, -1)}. Instead
 * of mmcv's per-level transposes to [N·heads, D, H_l, W_l], every tap of every (query, head, level,
 * point) is one row of {@code value} flattened to [N·S·heads, D], at row
 * ((n·S + start_l + y·W_l + x)·heads + h) with (x, y) from {@link BilinearTaps}: four gathers in
 * all, whose gradients (to the value through GatherV2, to the locations and attention weights
 * through the tap weights) exist in TF Java 1.1.
 *
 * <p>Memory: a training step keeps the four gathered [N, Q, heads, L, P, D] tensors for the backward
 * pass (the gradient to the tap weights reads them), 4× what the grid_sample outputs of mmcv's
 * PyTorch path keep and far more than its CUDA kernel, which keeps only its inputs. For Mask2Former
 * at batch 2 and 512² (Q = 5376, 8 heads, 3 levels, 4 points, D = 32) that is 4 × 132 MB per
 * encoder layer.
 */
public final class MultiScaleDeformableSampling {
  private MultiScaleDeformableSampling() {}

  /**
   * The attention-weighted samples.
   *
   * @param value [N, S, heads, D] with static heads and D; S = Σ H_l·W_l (static or not)
   * @param levels the maps' sizes, in the order of their tokens in {@code value}
   * @param locations [N, Q, heads, L, P, 2] normalised (x, y) per query, head, level and point
   * @param attentionWeights [N, Q, heads, L, P]
   * @return [N, Q, heads·D]
   * @throws ShapeMismatchException when the ranks, head counts, level counts or points disagree
   */
  public static Operand<TFloat32> sample(Ops tf, Operand<TFloat32> value, List<MapSize> levels,
      Operand<TFloat32> locations, Operand<TFloat32> attentionWeights) {
    LayerShapes.rank(value, "deformable sampling value [N, S, heads, D]", 4, 4);
    LayerShapes.rank(locations, "deformable sampling locations [N, Q, heads, L, P, 2]", 6, 6);
    LayerShapes.rank(attentionWeights, "deformable sampling attention weights [N, Q, heads, L, P]", 5, 5);
    Shape vs = value.shape();
    Shape ls = locations.shape();
    Shape as = attentionWeights.shape();
    long heads = vs.get(2);
    long depth = vs.get(3);
    if (heads < 1 || depth < 1) {
      throw new ShapeMismatchException(
          "deformable sampling value needs static heads and D (shape [N, S, heads, D]), found " + vs);
    }
    if (ls.get(2) != heads || ls.get(3) != levels.size() || ls.get(4) < 1 || ls.get(5) != 2) {
      throw new ShapeMismatchException("deformable sampling locations: expected [N, Q, " + heads + ", "
          + levels.size() + ", P, 2] (static P), found " + ls);
    }
    if (as.get(2) != heads || as.get(3) != levels.size() || as.get(4) != ls.get(4)) {
      throw new ShapeMismatchException("deformable sampling attention weights: expected [N, Q, " + heads + ", "
          + levels.size() + ", " + ls.get(4) + "], found " + as);
    }
    Operand<TInt32> widths = perLevel(tf, levels, MapSize::width);
    Operand<TInt32> heights = perLevel(tf, levels, MapSize::height);
    Operand<TInt32> starts = perLevel(tf, startIndices(tf, levels));
    Operand<TInt32> tokens = tf.gather(tf.shape(value), tf.constant(1), tf.constant(0));
    Operand<TInt32> maps = tf.gather(tf.shape(value), tf.constant(0), tf.constant(0));
    Operand<TInt32> n = tf.reshape(tf.range(tf.constant(0), maps, tf.constant(1)),
        tf.constant(new int[] {-1, 1, 1, 1, 1}));
    Operand<TInt32> head = tf.reshape(tf.range(tf.constant(0), tf.constant((int) heads), tf.constant(1)),
        tf.constant(new int[] {1, 1, (int) heads, 1, 1}));
    // First token of level l of map n: n·S + start_l, broadcast to [N, 1, 1, L, 1].
    Operand<TInt32> levelBase = tf.math.add(tf.math.mul(n, tokens), starts);
    Operand<TFloat32> flat = tf.reshape(value, tf.constant(new long[] {-1, depth}));
    Operand<TFloat32> x = tf.gather(locations, tf.constant(0), tf.constant(5));
    Operand<TFloat32> y = tf.gather(locations, tf.constant(1), tf.constant(5));
    List<Operand<TFloat32>> taps = new ArrayList<>(4);
    for (BilinearTaps.Tap tap : BilinearTaps.of(tf, x, y, widths, heights)) {
      Operand<TInt32> token = tf.math.add(levelBase, tap.pixel());
      Operand<TInt32> row = tf.math.add(tf.math.mul(token, tf.constant((int) heads)), head);
      Operand<TFloat32> samples = tf.gather(flat, row, tf.constant(0)); // [N, Q, heads, L, P, D]
      Operand<TFloat32> weight = tf.math.mul(tap.weight(), attentionWeights);
      taps.add(tf.math.mul(samples, tf.expandDims(weight, tf.constant(-1))));
    }
    Operand<TFloat32> summed = tf.reduceSum(tf.math.addN(taps), tf.constant(new int[] {3, 4})); // [N, Q, heads, D]
    return tf.reshape(summed, LayerShapes.reshapeTarget(tf, summed, 2, heads * depth));
  }

  /** Σ_{k&lt;l} H_k·W_k for each level l, as int32 scalars (constants when the sizes are known). */
  private static List<Operand<TInt32>> startIndices(Ops tf, List<MapSize> levels) {
    List<Operand<TInt32>> starts = new ArrayList<>(levels.size());
    Operand<TInt32> start = tf.constant(0);
    boolean known = true;
    long knownStart = 0;
    for (MapSize level : levels) {
      starts.add(start);
      if (known && level.isKnown()) {
        knownStart += level.knownArea();
        start = tf.constant(Math.toIntExact(knownStart));
      } else {
        known = false;
        start = tf.math.add(start, level.area(tf));
      }
    }
    return starts;
  }

  private static Operand<TInt32> perLevel(Ops tf, List<MapSize> levels,
      Function<MapSize, Operand<TInt32>> part) {
    List<Operand<TInt32>> values = new ArrayList<>(levels.size());
    for (MapSize level : levels) {
      values.add(part.apply(level));
    }
    return perLevel(tf, values);
  }

  /** The per-level scalars as a [1, 1, 1, L, 1] tensor, which broadcasts along the level axis. */
  private static Operand<TInt32> perLevel(Ops tf, List<Operand<TInt32>> values) {
    return tf.reshape(tf.stack(values), tf.constant(new int[] {1, 1, 1, values.size(), 1}));
  }
}
