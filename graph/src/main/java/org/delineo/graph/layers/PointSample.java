package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Bilinear sampling of channels-last feature maps at fractional, normalised points: mmcv's
 * {@code point_sample(input, points, align_corners=False)} ({@code mmcv/ops/point_sample.py}
 * {@code point_sample}), which is PyTorch's {@code grid_sample(input, 2·points − 1,
 * mode='bilinear', padding_mode='zeros', align_corners=False)} on a (N, P, 1) grid.
 *
 * <p>A point (x, y) in [0, 1]² is in mmcv's order: x (grid[..., 0]) runs along the width, y along
 * the height, (0, 0) is the outer corner of the top-left pixel and (1, 1) that of the bottom-right
 * one. With align_corners=False grid_sample unnormalises ((g + 1)·W − 1) / 2, so the pixel
 * coordinates are
 *
 * <pre>
 *   u = x·W − 0.5,   v = y·H − 0.5        (pixel centres at integers)
 *   u0 = floor(u), u1 = u0 + 1, a = u − u0;   v0 = floor(v), v1 = v0 + 1, b = v − v0
 *   out = (1−a)(1−b)·I[v0, u0] + a(1−b)·I[v0, u1] + (1−a)b·I[v1, u0] + ab·I[v1, u1]
 * </pre>
 *
 * where a tap outside the map reads 0 (zero padding): a point between the border and the first
 * pixel centre blends with zeros, a point on the border gets at most half of a pixel along each
 * axis, and a point more than half a pixel outside the map reads 0.
 *
 * <p>Built from explicit weights and a GatherV2 on the map flattened to [N·H·W, C], ops whose graph
 * gradients exist in TF Java 1.1 (tensorflow-java-notes.md §3.3): the gradient flows to the
 * input, and also to the points (through the weights; it is piecewise linear in the points, with
 * kinks on the pixel-centre lines). TF's own resampling ops have no gradient on these inputs.
 *
 * <p>Worked example: a 1 × 2 × 2 × 1 map with rows (1, 2) and (3, 4).
 *
 * <pre>{@code
 * Operand<TFloat32> map = tf.constant(new float[][][][] {{{{1f}, {2f}}, {{3f}, {4f}}}});
 * Operand<TFloat32> points = tf.constant(new float[][][] {{{0.25f, 0.5f}, {0f, 0f}, {1f, 0.5f}}});
 * Operand<TFloat32> out = PointSample.sample(tf, map, points);   // [1, 3, 1]
 * // (0.25, 0.5): u = 0, v = 0.5 → column 0, halfway between rows: (1 + 3) / 2        = 2
 * // (0, 0):      u = v = −0.5   → only tap (0, 0) inside, weight ½·½: 0.25·1         = 0.25
 * // (1, 0.5):    u = 1.5, v = 0.5 → taps u0 = 1 (weight ½) inside, u1 = 2 outside:
 * //              ½·(2 + 4) / 2                                                       = 1.5
 * }</pre>
 */
public final class PointSample {
  private PointSample() {}

  /**
   * The map values at the points.
   *
   * @param input [N, H, W, C] with static H, W and C; N may be unknown
   * @param points [N, P, 2] (x, y) per map, or [1, P, 2] shared by every map; P may be unknown.
   *     Finite; values beyond [0, 1] sample the zero padding.
   * @return [N, P, C]
   * @throws ShapeMismatchException when the ranks, the static sizes or the last axis of the
   *     points do not fit
   */
  public static Operand<TFloat32> sample(
      Ops tf, Operand<TFloat32> input, Operand<TFloat32> points) {
    Shape s = input.shape();
    LayerShapes.rank(input, "point_sample input [N, H, W, C]", 4, 4);
    if (s.get(1) < 0 || s.get(2) < 0 || s.get(3) < 0) {
      throw new ShapeMismatchException(
          "point_sample input needs static H, W and C (shape [N, H, W, C]), found " + s);
    }
    LayerShapes.rank(points, "point_sample points [N, P, 2]", 3, 3);
    if (points.shape().get(2) != 2) {
      throw new ShapeMismatchException(
          "point_sample points need (x, y) on the last axis (shape [N, P, 2]), found "
              + points.shape());
    }
    int h = Math.toIntExact(s.get(1));
    int w = Math.toIntExact(s.get(2));
    long c = s.get(3);
    Axis x = Axis.of(tf, coordinate(tf, points, 0), w);
    Axis y = Axis.of(tf, coordinate(tf, points, 1), h);
    Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] {-1, c}));
    // Row offset of each map in the flattened input: n·H·W, shape [N, 1].
    Operand<TInt32> maps = tf.gather(tf.shape(input), tf.constant(0), tf.constant(0));
    Operand<TInt32> n = tf.range(tf.constant(0), maps, tf.constant(1));
    Operand<TInt32> base = tf.expandDims(tf.math.mul(n, tf.constant(h * w)), tf.constant(1));
    List<Operand<TFloat32>> taps = new ArrayList<>(4);
    for (int j = 0; j < 2; j++) {
      for (int i = 0; i < 2; i++) {
        taps.add(tap(tf, flat, base, x, i, y, j, w));
      }
    }
    return tf.math.addN(taps);
  }

  /** Column {@code k} of the points, [N, P]. */
  private static Operand<TFloat32> coordinate(Ops tf, Operand<TFloat32> points, int k) {
    return tf.gather(points, tf.constant(k), tf.constant(2));
  }

  /**
   * One of the four corner taps: I[v_j, u_i] times its bilinear weight, zero where the tap lies
   * outside the map. The index is clamped into the map so the gather stays in range; the validity
   * factor then removes the clamped reads.
   */
  private static Operand<TFloat32> tap(Ops tf, Operand<TFloat32> flat, Operand<TInt32> base,
      Axis x, int i, Axis y, int j, int w) {
    Operand<TFloat32> weight = tf.math.mul(x.weight(i), y.weight(j));
    Operand<TBool> inside = tf.math.logicalAnd(x.inside(tf, i), y.inside(tf, j));
    Operand<TFloat32> kept = tf.math.mul(weight, tf.dtypes.cast(inside, TFloat32.class));
    Operand<TInt32> pixel =
        tf.math.add(tf.math.mul(y.clamped(tf, j), tf.constant(w)), x.clamped(tf, i));
    Operand<TInt32> row = tf.math.add(base, pixel);
    Operand<TFloat32> values = tf.gather(flat, row, tf.constant(0));
    return tf.math.mul(values, tf.expandDims(kept, tf.constant(-1)));
  }

  /**
   * The two taps along one axis of size {@code size}: the lower index floor(t) and the upper
   * floor(t) + 1 with weights 1 − frac and frac, t = point·size − 0.5. The floor is held constant
   * for the gradient (it is piecewise constant), so d weight / d point is ∓size.
   */
  private record Axis(Operand<TInt32> lower, Operand<TInt32> upper,
      Operand<TFloat32> lowerWeight, Operand<TFloat32> upperWeight, int size) {

    static Axis of(Ops tf, Operand<TFloat32> normalised, int size) {
      Operand<TFloat32> t =
          tf.math.sub(tf.math.mul(normalised, tf.constant((float) size)), tf.constant(0.5f));
      Operand<TFloat32> floor = tf.stopGradient(tf.math.floor(t));
      Operand<TFloat32> frac = tf.math.sub(t, floor);
      Operand<TInt32> lower = tf.dtypes.cast(floor, TInt32.class);
      return new Axis(lower, tf.math.add(lower, tf.constant(1)),
          tf.math.sub(tf.constant(1f), frac), frac, size);
    }

    Operand<TFloat32> weight(int k) {
      return k == 0 ? lowerWeight : upperWeight;
    }

    Operand<TInt32> index(int k) {
      return k == 0 ? lower : upper;
    }

    Operand<TBool> inside(Ops tf, int k) {
      return tf.math.logicalAnd(tf.math.greaterEqual(index(k), tf.constant(0)),
          tf.math.less(index(k), tf.constant(size)));
    }

    Operand<TInt32> clamped(Ops tf, int k) {
      return tf.math.minimum(tf.math.maximum(index(k), tf.constant(0)), tf.constant(size - 1));
    }
  }
}
