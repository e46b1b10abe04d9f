package org.delineo.graph.layers;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TNumber;

/**
 * Parameter-free spatial resizing of NHWC and NDHWC tensors: bilinear and trilinear interpolation
 * with PyTorch's corner conventions, and nearest-neighbour resizing for label maps.
 */
public final class Resize {
  private Resize() {}

  /** Bilinear resize of {@code x} [N, H, W, C] to [N, outH, outW, C]. */
  public static Operand<TFloat32> bilinear2d(
      Ops tf, Operand<TFloat32> x, long outH, long outW, ResizeMode mode) {
    requireRank("bilinear2d input", x, 4);
    requirePositive("bilinear2d", outH, outW);
    return bilinear2d(tf, x, tf.constant(new int[] {(int) outH, (int) outW}), mode);
  }

  /**
   * Bilinear resize of {@code x} [N, H, W, C] to a size known only when the graph runs, e.g. logits
   * resized to the label map's size: {@code size} is an int32 vector [outH, outW].
   */
  public static Operand<TFloat32> bilinear2d(
      Ops tf, Operand<TFloat32> x, Operand<TInt32> size, ResizeMode mode) {
    requireRank("bilinear2d input", x, 4);
    return tf.image.resizeBilinear(x, size, options(mode));
  }

  /**
   * Trilinear resize of {@code x} [N, D, H, W, C] to [N, outD, outH, outW, C]. TF has no 3-D resize
   * op, and trilinear interpolation is separable, so it is two bilinear resizes: first (H, W) on the
   * D slices, then (D, H'·W') on the flattened planes, where the second axis keeps its size and so
   * maps onto itself in both modes (scale 1: align-corners i·(n−1)/(n−1) = i, half-pixel
   * (i+0.5)·1−0.5 = i). D, H, W and C must be static; N may be unknown (serving batches).
   */
  public static Operand<TFloat32> trilinear3d(
      Ops tf, Operand<TFloat32> x, long outD, long outH, long outW, ResizeMode mode) {
    requireRank("trilinear3d input", x, 5);
    requirePositive("trilinear3d", outD, outH, outW);
    Shape s = x.shape();
    for (int axis = 1; axis < 5; axis++) {
      if (s.isUnknown() || s.get(axis) < 0) {
        throw new ShapeMismatchException(
            "trilinear3d input needs static D, H, W and C (shape [N, D, H, W, C]), found " + s);
      }
    }
    long d = s.get(1);
    long h = s.get(2);
    long w = s.get(3);
    long c = s.get(4);
    Operand<TFloat32> slices = tf.reshape(x, tf.constant(new long[] {-1, h, w, c}));
    Operand<TFloat32> planes = bilinear2d(tf, slices, outH, outW, mode);
    Operand<TFloat32> stacked = tf.reshape(planes, tf.constant(new long[] {-1, d, outH * outW, c}));
    Operand<TFloat32> depth = bilinear2d(tf, stacked, outD, outH * outW, mode);
    return tf.reshape(depth, tf.constant(new long[] {-1, outD, outH, outW, c}));
  }

  /**
   * Nearest-neighbour resize of a label or mask map [N, H, W, C] (any numeric type): output index i
   * takes input index floor(i·in/out), PyTorch's {@code mode='nearest'}. Labels stay labels (no
   * blending of class ids).
   */
  public static <T extends TNumber> Operand<T> nearest2d(
      Ops tf, Operand<T> x, long outH, long outW) {
    requireRank("nearest2d input", x, 4);
    requirePositive("nearest2d", outH, outW);
    return tf.image.resizeNearestNeighbor(
        x,
        tf.constant(new int[] {(int) outH, (int) outW}),
        ResizeNearestNeighbor.alignCorners(false),
        ResizeNearestNeighbor.halfPixelCenters(false));
  }

  private static ResizeBilinear.Options[] options(ResizeMode mode) {
    return switch (mode) {
      case ALIGN_CORNERS -> new ResizeBilinear.Options[] {
        ResizeBilinear.alignCorners(true), ResizeBilinear.halfPixelCenters(false)
      };
      case HALF_PIXEL -> new ResizeBilinear.Options[] {
        ResizeBilinear.alignCorners(false), ResizeBilinear.halfPixelCenters(true)
      };
    };
  }

  private static void requireRank(String what, Operand<?> x, int rank) {
    Shape s = x.shape();
    if (!s.isUnknown() && s.numDimensions() != rank) {
      throw new ShapeMismatchException(
          what + ": expected rank " + rank + ", found shape " + s);
    }
  }

  private static void requirePositive(String what, long... sizes) {
    for (long size : sizes) {
      if (size <= 0 || size > Integer.MAX_VALUE) {
        throw new DelineoException(
            what + ": output sizes must be positive int32 values, found " + Arrays.toString(sizes));
      }
    }
  }
}
