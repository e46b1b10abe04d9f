package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The four corner taps of PyTorch's {@code grid_sample(mode='bilinear', padding_mode='zeros',
 * align_corners=False)} at normalised points: for each point, which pixels of its map it reads and
 * with which weights. Callers gather the pixels from their own layout ({@link PointSample}: one map
 * per batch element; {@link MultiScaleDeformableSampling}: several levels and heads in one tensor)
 * and sum weight × value over the four taps.
 *
 * <p>A point (x, y) in [0, 1]² is in mmcv's order: x runs along the width, y along the height,
 * (0, 0) is the outer corner of the top-left pixel and (1, 1) that of the bottom-right one
 * (grid_sample's grid is 2·point − 1). With align_corners=False grid_sample unnormalises
 * ((g + 1)·W − 1) / 2, so the pixel coordinates are
 *
 * <pre>
 *   u = x·W − 0.5,   v = y·H − 0.5        (pixel centres at integers)
 *   u0 = floor(u), u1 = u0 + 1, a = u − u0;   v0 = floor(v), v1 = v0 + 1, b = v − v0
 *   out = (1−a)(1−b)·I[v0, u0] + a(1−b)·I[v0, u1] + (1−a)b·I[v1, u0] + ab·I[v1, u1]
 * </pre>
 *
 * where a tap outside the map reads 0 (zero padding): its weight is set to 0 and its pixel index
 * clamped into the map so that the gather stays in range.
 *
 * <p>Gradients: the floors are held constant (they are piecewise constant), so the weights are
 * linear in the point between pixel-centre lines and d weight / d x = ∓W, d / d y = ∓H; the gradient
 * to the map flows through the caller's gather (GatherV2 has a graph gradient in TF Java 1.1).
 * Everything here is elementwise and broadcasts, so the sizes may be scalars or tensors (one size
 * per level, broadcast along a level axis), constants or known only when the step runs.
 */
public final class BilinearTaps {
  private BilinearTaps() {}

  /**
   * One corner tap.
   *
   * @param pixel row·W + column of the pixel read, clamped into the map, int32 of the points' shape
   * @param weight the bilinear weight, 0 where the tap lies outside the map
   */
  public record Tap(Operand<TInt32> pixel, Operand<TFloat32> weight) {}

  /**
   * The taps in the order (v0, u0), (v0, u1), (v1, u0), (v1, u1).
   *
   * @param x normalised x of every point, any shape
   * @param y normalised y, the same shape as {@code x}
   * @param width map width W, int32, broadcastable to {@code x}
   * @param height map height H, int32, broadcastable to {@code x}
   * @return four taps, each of the broadcast shape of the inputs
   */
  public static List<Tap> of(Ops tf, Operand<TFloat32> x, Operand<TFloat32> y, Operand<TInt32> width,
      Operand<TInt32> height) {
    Axis columns = Axis.of(tf, x, width);
    Axis rows = Axis.of(tf, y, height);
    List<Tap> taps = new ArrayList<>(4);
    for (int j = 0; j < 2; j++) {
      for (int i = 0; i < 2; i++) {
        Operand<TFloat32> weight = tf.math.mul(columns.weight(i), rows.weight(j));
        Operand<TBool> inside = tf.math.logicalAnd(columns.inside(tf, i), rows.inside(tf, j));
        Operand<TFloat32> kept = tf.math.mul(weight, tf.dtypes.cast(inside, TFloat32.class));
        Operand<TInt32> pixel = tf.math.add(tf.math.mul(rows.clamped(tf, j), width), columns.clamped(tf, i));
        taps.add(new Tap(pixel, kept));
      }
    }
    return taps;
  }

  /**
   * The two taps along one axis of length {@code size}: the lower index floor(t) and the upper
   * floor(t) + 1 with weights 1 − frac and frac, t = point·size − 0.5.
   */
  private record Axis(Operand<TInt32> lower, Operand<TInt32> upper, Operand<TFloat32> lowerWeight,
      Operand<TFloat32> upperWeight, Operand<TInt32> size) {

    static Axis of(Ops tf, Operand<TFloat32> normalised, Operand<TInt32> size) {
      Operand<TFloat32> length = tf.dtypes.cast(size, TFloat32.class);
      Operand<TFloat32> unclamped = tf.math.sub(tf.math.mul(normalised, length), tf.constant(0.5f));
      // Beyond one pixel outside both taps read padding, so clamping there changes neither the
      // value (0) nor the gradient (0), and keeps the int32 cast below defined for far points
      // (learned offsets are unbounded).
      Operand<TFloat32> t = tf.math.minimum(tf.math.maximum(unclamped, tf.constant(-2f)),
          tf.math.add(length, tf.constant(1f)));
      Operand<TFloat32> floor = tf.stopGradient(tf.math.floor(t));
      Operand<TFloat32> frac = tf.math.sub(t, floor);
      Operand<TInt32> lower = tf.dtypes.cast(floor, TInt32.class);
      return new Axis(lower, tf.math.add(lower, tf.constant(1)), tf.math.sub(tf.constant(1f), frac), frac, size);
    }

    Operand<TFloat32> weight(int k) {
      return k == 0 ? lowerWeight : upperWeight;
    }

    Operand<TInt32> index(int k) {
      return k == 0 ? lower : upper;
    }

    Operand<TBool> inside(Ops tf, int k) {
      return tf.math.logicalAnd(tf.math.greaterEqual(index(k), tf.constant(0)), tf.math.less(index(k), size));
    }

    Operand<TInt32> clamped(Ops tf, int k) {
      return tf.math.minimum(tf.math.maximum(index(k), tf.constant(0)), tf.math.sub(size, tf.constant(1)));
    }
  }
}
