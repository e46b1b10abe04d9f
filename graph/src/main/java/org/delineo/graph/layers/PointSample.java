package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
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
 * one; {@link BilinearTaps} gives the formula. A point between the border and the first pixel
 * centre blends with zeros, a point on the border gets at most half of a pixel along each axis, and
 * a point more than half a pixel outside the map reads 0.
 *
 * <p>Built from the taps' weights and a GatherV2 on the map flattened to [N·H·W, C], ops whose
 * graph gradients exist in TF Java 1.1 (tensorflow-java-notes.md §3.3): the gradient flows to the
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
   * @param input [N, H, W, C] with a static C; N, H and W may be unknown
   * @param points [N, P, 2] (x, y) per map, or [1, P, 2] shared by every map; P may be unknown.
   *     Finite; values beyond [0, 1] sample the zero padding.
   * @return [N, P, C]
   * @throws ShapeMismatchException when the ranks, the channel count or the last axis of the
   *     points do not fit
   */
  public static Operand<TFloat32> sample(
      Ops tf, Operand<TFloat32> input, Operand<TFloat32> points) {
    Shape s = input.shape();
    LayerShapes.rank(input, "point_sample input [N, H, W, C]", 4, 4);
    if (s.get(3) < 0) {
      throw new ShapeMismatchException(
          "point_sample input needs a static channel count C (shape [N, H, W, C]), found " + s);
    }
    LayerShapes.rank(points, "point_sample points [N, P, 2]", 3, 3);
    if (points.shape().get(2) != 2) {
      throw new ShapeMismatchException(
          "point_sample points need (x, y) on the last axis (shape [N, P, 2]), found "
              + points.shape());
    }
    MapSize size = MapSize.of(tf, input);
    Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] {-1, s.get(3)}));
    // Row offset of each map in the flattened input: n·H·W, shape [N, 1].
    Operand<TInt32> maps = tf.gather(tf.shape(input), tf.constant(0), tf.constant(0));
    Operand<TInt32> n = tf.range(tf.constant(0), maps, tf.constant(1));
    Operand<TInt32> base = tf.expandDims(tf.math.mul(n, size.area(tf)), tf.constant(1));
    List<Operand<TFloat32>> taps = new ArrayList<>(4);
    for (BilinearTaps.Tap tap : BilinearTaps.of(tf, coordinate(tf, points, 0), coordinate(tf, points, 1), size.width(),
        size.height())) {
      Operand<TFloat32> values = tf.gather(flat, tf.math.add(base, tap.pixel()), tf.constant(0));
      taps.add(tf.math.mul(values, tf.expandDims(tap.weight(), tf.constant(-1))));
    }
    return tf.math.addN(taps);
  }

  /** Column {@code k} of the points, [N, P]. */
  private static Operand<TFloat32> coordinate(Ops tf, Operand<TFloat32> points, int k) {
    return tf.gather(points, tf.constant(k), tf.constant(2));
  }
}
