package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Parameter-free pooling over NHWC / NDHWC tensors: windowed max and average pooling, global
 * average pooling, and PyTorch's adaptive average pooling (PSPNet pyramid pooling).
 */
public final class Pooling {
  private Pooling() {}

  /** Max pooling of [N, H, W, C] with a square window. */
  public static Operand<TFloat32> maxPool2d(
      Ops tf, Operand<TFloat32> x, int kernel, int stride, PoolPadding padding) {
    return maxPool2d(tf, x, new int[] {kernel, kernel}, new int[] {stride, stride}, padding);
  }

  /** Max pooling of [N, H, W, C] with window {@code kernel} = {kH, kW} and {@code stride} = {sH, sW}. */
  public static Operand<TFloat32> maxPool2d(
      Ops tf, Operand<TFloat32> x, int[] kernel, int[] stride, PoolPadding padding) {
    requireRank("maxPool2d input", x, 4);
    return tf.nn.maxPool(
        x,
        tf.constant(window("maxPool2d kernel", kernel, 2)),
        tf.constant(window("maxPool2d stride", stride, 2)),
        padding.name());
  }

  /**
   * Max pooling with PyTorch's explicit symmetric padding ({@code nn.MaxPool2d(k, s, padding=p)},
   * e.g. the ResNet stem's 3×3/2 pool with p = 1). TF SAME padding puts the odd cell at the end
   * only, which shifts the windows against the PyTorch ones; padding both sides with the lowest
   * float and pooling VALID reproduces PyTorch exactly (a padded cell never wins a window, since
   * p ≤ k/2 leaves a real cell in each).
   */
  public static Operand<TFloat32> maxPool2d(
      Ops tf, Operand<TFloat32> x, int kernel, int stride, int pad) {
    requireRank("maxPool2d input", x, 4);
    if (pad < 0 || 2 * pad > kernel) {
      throw new DelineoException(
          "maxPool2d padding must be between 0 and kernel/2 = " + kernel / 2 + ", found " + pad);
    }
    Operand<TFloat32> padded =
        pad == 0 ? x : Pad.constant(tf, x, new int[] {pad, pad}, -Float.MAX_VALUE);
    return maxPool2d(tf, padded, kernel, stride, PoolPadding.VALID);
  }

  /** Average pooling of [N, H, W, C] with a square window; SAME windows average real cells only. */
  public static Operand<TFloat32> avgPool2d(
      Ops tf, Operand<TFloat32> x, int kernel, int stride, PoolPadding padding) {
    return avgPool2d(tf, x, new int[] {kernel, kernel}, new int[] {stride, stride}, padding);
  }

  /** Average pooling of [N, H, W, C] with window {kH, kW} and stride {sH, sW}. */
  public static Operand<TFloat32> avgPool2d(
      Ops tf, Operand<TFloat32> x, int[] kernel, int[] stride, PoolPadding padding) {
    requireRank("avgPool2d input", x, 4);
    return tf.nn.avgPool(
        x,
        longs(window("avgPool2d kernel", kernel, 2)),
        longs(window("avgPool2d stride", stride, 2)),
        padding.name());
  }

  /** Max pooling of [N, D, H, W, C] with a cubic window. */
  public static Operand<TFloat32> maxPool3d(
      Ops tf, Operand<TFloat32> x, int kernel, int stride, PoolPadding padding) {
    return maxPool3d(tf, x, new int[] {kernel, kernel, kernel}, new int[] {stride, stride, stride}, padding);
  }

  /** Max pooling of [N, D, H, W, C] with window {kD, kH, kW} and stride {sD, sH, sW}. */
  public static Operand<TFloat32> maxPool3d(
      Ops tf, Operand<TFloat32> x, int[] kernel, int[] stride, PoolPadding padding) {
    requireRank("maxPool3d input", x, 5);
    return tf.nn.maxPool3d(
        x,
        longs(window("maxPool3d kernel", kernel, 3)),
        longs(window("maxPool3d stride", stride, 3)),
        padding.name());
  }

  /** Average pooling of [N, D, H, W, C] with a cubic window. */
  public static Operand<TFloat32> avgPool3d(
      Ops tf, Operand<TFloat32> x, int kernel, int stride, PoolPadding padding) {
    return avgPool3d(tf, x, new int[] {kernel, kernel, kernel}, new int[] {stride, stride, stride}, padding);
  }

  /** Average pooling of [N, D, H, W, C] with window {kD, kH, kW} and stride {sD, sH, sW}. */
  public static Operand<TFloat32> avgPool3d(
      Ops tf, Operand<TFloat32> x, int[] kernel, int[] stride, PoolPadding padding) {
    requireRank("avgPool3d input", x, 5);
    return tf.nn.avgPool3d(
        x,
        longs(window("avgPool3d kernel", kernel, 3)),
        longs(window("avgPool3d stride", stride, 3)),
        padding.name());
  }

  /** Mean over H and W of [N, H, W, C], kept as [N, 1, 1, C]. */
  public static Operand<TFloat32> globalAvgPool2d(Ops tf, Operand<TFloat32> x) {
    requireRank("globalAvgPool2d input", x, 4);
    return tf.math.mean(x, tf.constant(new int[] {1, 2}), Mean.keepDims(true));
  }

  /** Mean over D, H and W of [N, D, H, W, C], kept as [N, 1, 1, 1, C]. */
  public static Operand<TFloat32> globalAvgPool3d(Ops tf, Operand<TFloat32> x) {
    requireRank("globalAvgPool3d input", x, 5);
    return tf.math.mean(x, tf.constant(new int[] {1, 2, 3}), Mean.keepDims(true));
  }

  /**
   * PyTorch's {@code AdaptiveAvgPool2d((outH, outW))} on [N, H, W, C] with static H and W: output
   * cell i along an axis of length L averages input cells [floor(i·L/out), ceil((i+1)·L/out)), so
   * bins may overlap when L is not a multiple of out.
   *
   * <p>Built as one matrix product: the input as [N, H·W, C] times a constant [outH·outW, H·W]
   * averaging matrix (1 / cell count inside each bin's rectangle). Its gradient is the transposed
   * matrix times the upstream gradient and keeps nothing of the input. Slicing each bin and taking
   * its mean, the obvious way, made TF pad every slice's gradient back to the input's full size
   * and hold all of them until they were summed (PSPNet's pyramid at 2×256², 2048 channels:
   * 176 MB at the step's memory peak).
   */
  public static Operand<TFloat32> adaptiveAvgPool2d(
      Ops tf, Operand<TFloat32> x, int outH, int outW) {
    requireRank("adaptiveAvgPool2d input", x, 4);
    Shape s = x.shape();
    if (s.isUnknown() || s.get(1) < 0 || s.get(2) < 0) {
      throw new ShapeMismatchException(
          "adaptiveAvgPool2d input needs static H and W (shape [N, H, W, C]), found " + s);
    }
    if (outH <= 0 || outW <= 0) {
      throw new DelineoException(
          "adaptiveAvgPool2d output size must be positive, found " + outH + "x" + outW);
    }
    int h = (int) s.get(1);
    int w = (int) s.get(2);
    if (h == outH && w == outW) {
      return x;
    }
    float[][][] averaging = new float[1][outH * outW][h * w];
    for (int i = 0; i < outH; i++) {
      int r0 = binStart(i, h, outH);
      int r1 = binEnd(i, h, outH);
      for (int j = 0; j < outW; j++) {
        int c0 = binStart(j, w, outW);
        int c1 = binEnd(j, w, outW);
        float weight = 1f / ((r1 - r0) * (c1 - c0));
        for (int r = r0; r < r1; r++) {
          for (int c = c0; c < c1; c++) {
            averaging[0][i * outW + j][r * w + c] = weight;
          }
        }
      }
    }
    // The batch axis may be unknown (-1); an unknown channel count is read at run time.
    Operand<TInt32> channels = s.get(3) >= 0
        ? tf.constant(new int[] {(int) s.get(3)})
        : tf.slice(tf.shape(x), tf.constant(new int[] {3}), tf.constant(new int[] {1}));
    Operand<TFloat32> pixels = tf.reshape(x,
        tf.concat(List.of(tf.constant(new int[] {-1, h * w}), channels), tf.constant(0)));
    Operand<TFloat32> pooled = tf.train.batchMatMul(tf.constant(averaging), pixels, TFloat32.class);
    return tf.reshape(pooled,
        tf.concat(List.of(tf.constant(new int[] {-1, outH, outW}), channels), tf.constant(0)));
  }

  /** First input cell of adaptive bin {@code i} of {@code out} over {@code length}: floor(i·L/out). */
  private static int binStart(int i, int length, int out) {
    return (int) Math.floorDiv((long) i * length, out);
  }

  /** One past the last input cell of bin {@code i}: ceil((i+1)·L/out). */
  private static int binEnd(int i, int length, int out) {
    return (int) -Math.floorDiv(-(long) (i + 1) * length, out);
  }

  /** The full NHWC / NDHWC window {1, k..., 1} for spatial sizes {@code k}. */
  private static int[] window(String what, int[] spatial, int axes) {
    if (spatial.length != axes) {
      throw new DelineoException(
          what + ": expected " + axes + " values, found " + Arrays.toString(spatial));
    }
    int[] full = new int[axes + 2];
    full[0] = 1;
    full[axes + 1] = 1;
    for (int i = 0; i < axes; i++) {
      if (spatial[i] <= 0) {
        throw new DelineoException(what + " must be positive, found " + Arrays.toString(spatial));
      }
      full[i + 1] = spatial[i];
    }
    return full;
  }

  private static List<Long> longs(int[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (int v : values) {
      out.add((long) v);
    }
    return out;
  }

  private static void requireRank(String what, Operand<?> x, int rank) {
    Shape s = x.shape();
    if (!s.isUnknown() && s.numDimensions() != rank) {
      throw new ShapeMismatchException(what + ": expected rank " + rank + ", found shape " + s);
    }
  }
}
