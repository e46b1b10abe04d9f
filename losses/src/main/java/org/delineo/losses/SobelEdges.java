package org.delineo.losses;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Sobel edge strength of a K-channel map [N, H, W, K] (class probabilities or one-hot labels),
 * normalised to [0, 1]; shape [N, H, W].
 *
 * <p>Each channel is replicate-padded by one pixel (so the image border is not an edge) and
 * cross-correlated with the 3×3 Sobel kernels Gx = [[−1, 0, 1], [−2, 0, 2], [−1, 0, 1]] and
 * Gy = Gxᵀ. The edge strength is the magnitude over all channels, divided by 4√2 and clamped:
 *
 * <pre>
 *   e = min(1, √(Σ_k (Gx ⋆ x_k)² + (Gy ⋆ x_k)²) / (4√2))
 * </pre>
 *
 * <p>Why 4√2: on one-hot labels a straight boundary between two classes gives Gx = ∓4 on the two
 * channels, magnitude 4√2, on both sides of the boundary, so a straight label boundary maps to
 * exactly 1 and a flat region to 0. Corners of three or more classes can exceed it (the bound is
 * 8); those are clamped to 1. The root is taken of max(s, δ) and masked to 0 where s ≤ δ = 1e-12,
 * so flat regions give exactly 0 with a finite (zero) gradient instead of √0's infinite one.
 */
final class SobelEdges {
  /** Magnitude of a straight two-class step on one-hot maps: the normaliser. */
  static final double STEP_MAGNITUDE = 4 * Math.sqrt(2);
  /** Squared magnitudes at or below this count as flat. */
  static final float FLAT = 1e-12f;

  private static final float[][] GX = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};

  private SobelEdges() {}

  /** The normalised edge map [N, H, W] of {@code x} [N, H, W, K]. */
  static Operand<TFloat32> of(Ops tf, Operand<TFloat32> x, int classes) {
    Operand<TFloat32> padded = tf.mirrorPad(
        x, tf.constant(new int[][] {{0, 0}, {1, 1}, {1, 1}, {0, 0}}), "SYMMETRIC");
    // Depthwise: output channel 2k is Gx on channel k, 2k + 1 is Gy on channel k.
    Operand<TFloat32> gradients = tf.nn.depthwiseConv2dNative(
        padded, tf.constant(filter(classes)), List.of(1L, 1L, 1L, 1L), "VALID");
    Operand<TFloat32> squared = tf.reduceSum(tf.math.square(gradients), tf.constant(-1));
    Operand<TFloat32> flatMask =
        tf.dtypes.cast(tf.math.greater(squared, tf.constant(FLAT)), TFloat32.class);
    Operand<TFloat32> magnitude = tf.math.mul(
        tf.math.sqrt(tf.math.maximum(squared, tf.constant(FLAT))), flatMask);
    return tf.math.minimum(
        tf.math.mul(magnitude, tf.constant((float) (1 / STEP_MAGNITUDE))), tf.constant(1f));
  }

  /** Depthwise filter [3, 3, K, 2]: Gx and Gy for every channel. */
  private static float[][][][] filter(int classes) {
    float[][][][] f = new float[3][3][classes][2];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < classes; k++) {
          f[i][j][k][0] = GX[i][j];
          f[i][j][k][1] = GX[j][i];
        }
      }
    }
    return f;
  }
}
