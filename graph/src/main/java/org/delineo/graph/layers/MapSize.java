package org.delineo.graph.layers;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;

/**
 * The height and width of a feature map while the graph is built: Java ints when the shape is
 * static, int32 scalars read with {@code tf.shape} when the step runs otherwise (training and export
 * graphs leave the batch, H and W free). Layers that flatten several maps into one token sequence
 * (multi-scale deformable attention) do their size arithmetic on these, so static shapes stay
 * static while the same code serves free sizes.
 *
 * @param knownHeight H, or −1 when known only when the step runs
 * @param knownWidth W, or −1 when known only when the step runs
 * @param height H as an int32 scalar (a constant when known)
 * @param width W as an int32 scalar (a constant when known)
 */
public record MapSize(int knownHeight, int knownWidth, Operand<TInt32> height, Operand<TInt32> width) {

  /** A size known while building. */
  public static MapSize of(Ops tf, int height, int width) {
    if (height < 1 || width < 1) {
      throw new ShapeMismatchException("a map size must be positive, found " + height + " x " + width);
    }
    return new MapSize(height, width, tf.constant(height), tf.constant(width));
  }

  /** The spatial size of an NHWC map [N, H, W, C]. */
  public static MapSize of(Ops tf, Operand<?> nhwc) {
    LayerShapes.rank(nhwc, "map [N, H, W, C]", 4, 4);
    return new MapSize(known(nhwc, 1), known(nhwc, 2), axis(tf, nhwc, 1), axis(tf, nhwc, 2));
  }

  /** Whether H and W are both known while building. */
  public boolean isKnown() {
    return knownHeight >= 0 && knownWidth >= 0;
  }

  /** H·W, known or −1. */
  public long knownArea() {
    return isKnown() ? (long) knownHeight * knownWidth : -1;
  }

  /** H·W as an int32 scalar (a constant when known). */
  public Operand<TInt32> area(Ops tf) {
    return isKnown() ? tf.constant(Math.toIntExact(knownArea())) : tf.math.mul(height, width);
  }

  /** Σ H·W over {@code sizes}, known or −1. */
  public static long knownTotalArea(List<MapSize> sizes) {
    long total = 0;
    for (MapSize s : sizes) {
      if (!s.isKnown()) {
        return -1;
      }
      total += s.knownArea();
    }
    return total;
  }

  private static int known(Operand<?> x, int axis) {
    long n = x.shape().get(axis);
    return n < 0 ? -1 : Math.toIntExact(n);
  }

  private static Operand<TInt32> axis(Ops tf, Operand<?> x, int axis) {
    long n = x.shape().get(axis);
    if (n >= 0) {
      return tf.constant(Math.toIntExact(n));
    }
    return tf.reshape(tf.slice(tf.shape(x), tf.constant(new int[] {axis}), tf.constant(new int[] {1})),
        tf.constant(new int[0]));
  }
}
