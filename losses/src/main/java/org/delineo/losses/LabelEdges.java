package org.delineo.losses;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Boundary strength of a 2-D label map from Sobel edges, for {@link BoundaryAwareFocalLoss}.
 *
 * <p>The Sobel operator runs on the one-hot labels Y (one channel per class; ignored pixels have an
 * all-zero row), not on the label ids, whose differences depend on how classes are numbered (an
 * edge between classes 1 and 19 would count 18 times one between 1 and 2). Per pixel:
 *
 * <pre>
 *   E = sqrt(Σ_c (Sx * Y_c)² + (Sy * Y_c)²),   b = min(E / 4√2, 1) · valid
 * </pre>
 *
 * with Sx = [[−1, 0, 1], [−2, 0, 2], [−1, 0, 1]], Sy = Sxᵀ and replicate padding (the image border
 * is no edge). 4√2 is E on either side of a straight boundary between two classes (one class
 * contributes ±4 along the normal, the other ∓4), which therefore gets b = 1; pixels at corners
 * get less, and junctions of three classes (E up to √44) are capped at 1. b = 0 away from
 * boundaries and at ignored pixels. An ignored neighbour counts as a different class (its zero row
 * differs), so valid pixels along void regions get boundary weight, as in PROVE's SegBoundaryLoss.
 * Labels carry no gradient, so neither does b.
 */
final class LabelEdges {
  /** E beside a straight two-class boundary: √(4² + 4²). */
  static final float STRAIGHT_EDGE = (float) Math.sqrt(32);

  private static final float[][] SOBEL_X = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};

  private LabelEdges() {}

  /**
   * b in [0, 1], the labels' shape.
   *
   * @param labels [N, H, W] class ids
   * @param classes K, the one-hot depth
   * @throws ShapeMismatchException if labels are not rank 3
   */
  static Operand<TFloat32> sobel(Ops tf, Operand<TInt32> labels, int classes, int ignoreIndex) {
    if (labels.shape().numDimensions() != 3) {
      throw new ShapeMismatchException(
          "Sobel label edges: expected 2-D labels [N, H, W], found shape " + labels.shape());
    }
    Operand<TFloat32> oneHot = PixelLabels.oneHot(tf, labels, classes);
    // SYMMETRIC mirror padding by 1 repeats the border row/column: replicate padding.
    Operand<TFloat32> padded = tf.mirrorPad(oneHot,
        tf.constant(new int[][] {{0, 0}, {1, 1}, {1, 1}, {0, 0}}), "SYMMETRIC");
    Operand<TFloat32> gradients = tf.nn.depthwiseConv2dNative(
        padded, tf.constant(kernel(classes)), List.of(1L, 1L, 1L, 1L), "VALID");
    Operand<TFloat32> magnitude =
        tf.math.sqrt(tf.reduceSum(tf.math.square(gradients), tf.constant(-1)));
    Operand<TFloat32> b = tf.math.minimum(
        tf.math.div(magnitude, tf.constant(STRAIGHT_EDGE)), tf.constant(1f));
    return tf.stopGradient(tf.math.mul(b, PixelLabels.validMask(tf, labels, ignoreIndex)));
  }

  /** Depthwise filter [3, 3, K, 2]: per class, output 0 is Sx and output 1 is Sy. */
  private static float[][][][] kernel(int classes) {
    float[][][][] k = new float[3][3][classes][2];
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 3; c++) {
        for (int ch = 0; ch < classes; ch++) {
          k[r][c][ch][0] = SOBEL_X[r][c];
          k[r][c][ch][1] = SOBEL_X[c][r];
        }
      }
    }
    return k;
  }
}
