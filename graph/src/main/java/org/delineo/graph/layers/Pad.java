package org.delineo.graph.layers;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Explicit spatial padding of NHWC / NDHWC tensors (the batch and channel axes are never padded):
 * reflection, as PyTorch's {@code padding_mode='reflect'}, and a constant fill.
 */
public final class Pad {
  private Pad() {}

  /** Reflect-pads each spatial axis by {@code pads[i]} cells on both sides. */
  public static Operand<TFloat32> reflect(Ops tf, Operand<TFloat32> x, int[] pads) {
    return reflect(tf, x, symmetric(pads));
  }

  /**
   * Reflect-pads spatial axis i by {@code pads[i][0]} cells before and {@code pads[i][1]} after,
   * mirroring around the edge cell without repeating it ([a b c] padded by 2 gives [c b a b c b a]),
   * so each pad must be smaller than the axis length.
   */
  public static Operand<TFloat32> reflect(Ops tf, Operand<TFloat32> x, int[][] pads) {
    int[][] full = fullPaddings("reflect pad", x, pads);
    Shape s = x.shape();
    for (int axis = 1; axis < full.length - 1; axis++) {
      long size = s.get(axis);
      if (size >= 0 && (full[axis][0] >= size || full[axis][1] >= size)) {
        throw new DelineoException(
            "reflect pad of axis " + axis + " must be smaller than its length " + size + ", found "
                + Arrays.toString(full[axis]) + " for input shape " + s);
      }
    }
    return tf.mirrorPad(x, tf.constant(full), "REFLECT");
  }

  /** Pads each spatial axis by {@code pads[i]} cells on both sides with {@code value}. */
  public static Operand<TFloat32> constant(Ops tf, Operand<TFloat32> x, int[] pads, float value) {
    return constant(tf, x, symmetric(pads), value);
  }

  /** Pads spatial axis i by {@code pads[i][0]} cells before and {@code pads[i][1]} after with {@code value}. */
  public static Operand<TFloat32> constant(
      Ops tf, Operand<TFloat32> x, int[][] pads, float value) {
    int[][] full = fullPaddings("constant pad", x, pads);
    return tf.pad(x, tf.constant(full), tf.constant(value));
  }

  private static int[][] symmetric(int[] pads) {
    int[][] pairs = new int[pads.length][];
    for (int i = 0; i < pads.length; i++) {
      pairs[i] = new int[] {pads[i], pads[i]};
    }
    return pairs;
  }

  /** The [rank, 2] paddings operand: zero rows for batch and channels around the spatial rows. */
  private static int[][] fullPaddings(String what, Operand<TFloat32> x, int[][] pads) {
    Shape s = x.shape();
    if (s.isUnknown() || (s.numDimensions() != 4 && s.numDimensions() != 5)) {
      throw new ShapeMismatchException(
          what + ": expected a rank-4 (NHWC) or rank-5 (NDHWC) input, found shape " + s);
    }
    int spatial = s.numDimensions() - 2;
    if (pads.length != spatial) {
      throw new DelineoException(
          what + ": expected " + spatial + " spatial paddings for input shape " + s + ", found "
              + pads.length);
    }
    int[][] full = new int[spatial + 2][2];
    for (int i = 0; i < spatial; i++) {
      if (pads[i].length != 2 || pads[i][0] < 0 || pads[i][1] < 0) {
        throw new DelineoException(
            what + ": each spatial padding must be {before, after} with non-negative values, found "
                + Arrays.toString(pads[i]));
      }
      full[i + 1] = pads[i].clone();
    }
    return full;
  }
}
