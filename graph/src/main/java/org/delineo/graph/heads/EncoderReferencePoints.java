package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.layers.MapSize;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The reference point of every token of a multi-scale deformable encoder: the centre of its own
 * pixel, normalised by its level's size, ((j + 0.5) / W_l, (i + 0.5) / H_l) for row i and column j,
 * tokens level after level in row-major order. mmdet's {@code MSDeformAttnPixelDecoder.forward}
 * builds them with {@code MlvlPointGenerator.single_level_grid_priors} (offset 0.5, times the
 * stride) divided by (W_l, H_l) · stride, which is the same; with valid ratios 1 it is also
 * {@code DeformableDetrTransformerEncoder.get_encoder_reference_points}. Every level uses the
 * token's one point (mmdet repeats it over the levels), so the result broadcasts over the level axis.
 */
public final class EncoderReferencePoints {
  private EncoderReferencePoints() {}

  /**
   * @param levels the levels' sizes in token order
   * @return [1, S, 1, 2] (x, y), S = Σ H_l·W_l; a constant when every size is known
   */
  public static Operand<TFloat32> of(Ops tf, List<MapSize> levels) {
    if (MapSize.knownTotalArea(levels) >= 0) {
      return tf.constant(known(levels));
    }
    List<Operand<TFloat32>> parts = new ArrayList<>(levels.size());
    for (MapSize level : levels) {
      Operand<TFloat32> xs = centres(tf, level.width()); // [W]
      Operand<TFloat32> ys = centres(tf, level.height()); // [H]
      Operand<TInt32> grid = tf.stack(List.of(level.height(), level.width()));
      Operand<TFloat32> x = tf.broadcastTo(tf.expandDims(xs, tf.constant(0)), grid);
      Operand<TFloat32> y = tf.broadcastTo(tf.expandDims(ys, tf.constant(1)), grid);
      parts.add(tf.reshape(tf.stack(List.of(x, y), Stack.axis(2L)),
          tf.constant(new int[] {-1, 2})));
    }
    return tf.reshape(tf.concat(parts, tf.constant(0)), tf.constant(new int[] {1, -1, 1, 2}));
  }

  /** (k + 0.5) / size for k = 0..size−1, in float32 as mmdet. */
  private static Operand<TFloat32> centres(Ops tf, Operand<TInt32> size) {
    Operand<TFloat32> k = tf.dtypes.cast(tf.range(tf.constant(0), size, tf.constant(1)), TFloat32.class);
    return tf.math.div(tf.math.add(k, tf.constant(0.5f)), tf.dtypes.cast(size, TFloat32.class));
  }

  private static float[][][][] known(List<MapSize> levels) {
    float[][][][] points = new float[1][Math.toIntExact(MapSize.knownTotalArea(levels))][1][];
    int t = 0;
    for (MapSize level : levels) {
      for (int i = 0; i < level.knownHeight(); i++) {
        for (int j = 0; j < level.knownWidth(); j++) {
          points[0][t++][0] = new float[] {(j + 0.5f) / level.knownWidth(), (i + 0.5f) / level.knownHeight()};
        }
      }
    }
    return points;
  }
}
