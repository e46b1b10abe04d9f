package org.delineo.graph.models.semsim;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * SemSim's "patch matching" and "scale splitting" (SEMSIM Eq. 14 and 16) as two pure reshapes:
 * {@link #group} cuts every scale of a feature pyramid into the same S × S grid of windows and
 * concatenates, per window, the tokens of all scales into one sequence; {@link #ungroup} undoes it.
 *
 * <p>Because every scale is cut into S × S windows (window size H_k/S × W_k/S, so the windows of a
 * 2× finer scale are 2× larger in pixels), window (r, c) covers the same image region
 * [r·H/S, (r+1)·H/S) × [c·W/S, (c+1)·W/S) on every scale; that is what makes the tokens of one
 * sequence spatially matched. No 2× ratio between scales is needed, only divisibility by S.
 *
 * <p>Layout of the grouped tensor [N·S², L, D]: row {@code n·S² + r·S + c} is window (r, c) of
 * sample n; within a row the tokens of scale 0 come first (row-major inside the window), then those
 * of scale 1, and so on; L = Σ_k (H_k/S)·(W_k/S). N may be unknown; H, W and D must be static.
 */
public final class WindowGrouping {
  private WindowGrouping() {}

  /**
   * Groups the maps {@code [N, H_k, W_k, D]} (same N and D) into matched window sequences
   * {@code [N·S², L, D]}.
   *
   * @throws ShapeMismatchException if a map is not rank 4 with static H, W and D, the D differ, or
   *     an H_k or W_k is not divisible by {@code windows}
   */
  public static Operand<TFloat32> group(Ops tf, List<Operand<TFloat32>> maps, int windows) {
    checkWindows(windows);
    if (maps.isEmpty()) {
      throw new DelineoException("window grouping: expected at least one scale, found none");
    }
    long dim = -1;
    List<Operand<TFloat32>> sequences = new ArrayList<>();
    for (int k = 0; k < maps.size(); k++) {
      Operand<TFloat32> x = maps.get(k);
      long[] hwd = staticSize(x.shape(), k, windows);
      if (dim >= 0 && hwd[2] != dim) {
        throw new ShapeMismatchException("window grouping: scale " + k + " expected " + dim
            + " channels like scale 0, found shape " + x.shape());
      }
      dim = hwd[2];
      int h = (int) (hwd[0] / windows);
      int w = (int) (hwd[1] / windows);
      // [N, S, h, S, w, D] -> [N, S(r), S(c), h, w, D] -> [N·S², h·w, D]
      Operand<TFloat32> split =
          tf.reshape(x, tf.constant(new int[] {-1, windows, h, windows, w, (int) dim}));
      Operand<TFloat32> ordered =
          tf.linalg.transpose(split, tf.constant(new int[] {0, 1, 3, 2, 4, 5}));
      sequences.add(tf.reshape(ordered, tf.constant(new int[] {-1, h * w, (int) dim})));
    }
    return sequences.size() == 1 ? sequences.get(0) : tf.concat(sequences, tf.constant(1));
  }

  /**
   * Splits grouped sequences {@code [N·S², L, D]} back into maps {@code [N, H_k, W_k, D]}, one per
   * entry of {@code sizes} ({H_k, W_k}, in the order given to {@link #group}).
   *
   * @throws ShapeMismatchException if the sequence length or width does not match {@code sizes}
   */
  public static List<Operand<TFloat32>> ungroup(
      Ops tf, Operand<TFloat32> tokens, List<long[]> sizes, int windows) {
    checkWindows(windows);
    Shape s = tokens.shape();
    if (s.isUnknown() || s.numDimensions() != 3 || s.get(1) < 0 || s.get(2) < 0) {
      throw new ShapeMismatchException(
          "window ungrouping: expected tokens [N·S², L, D] with static L and D, found " + s);
    }
    int dim = (int) s.get(2);
    long expectedLength = 0;
    for (int k = 0; k < sizes.size(); k++) {
      long[] hw = sizes.get(k);
      staticSize(Shape.of(-1, hw[0], hw[1], dim), k, windows);
      expectedLength += (hw[0] / windows) * (hw[1] / windows);
    }
    if (expectedLength != s.get(1)) {
      throw new ShapeMismatchException("window ungrouping: expected " + expectedLength
          + " tokens per window for the given sizes, found shape " + s);
    }
    List<Operand<TFloat32>> maps = new ArrayList<>();
    int offset = 0;
    for (long[] hw : sizes) {
      int h = (int) (hw[0] / windows);
      int w = (int) (hw[1] / windows);
      Operand<TFloat32> part = tf.slice(tokens, tf.constant(new int[] {0, offset, 0}),
          tf.constant(new int[] {-1, h * w, dim}));
      offset += h * w;
      Operand<TFloat32> split =
          tf.reshape(part, tf.constant(new int[] {-1, windows, windows, h, w, dim}));
      Operand<TFloat32> ordered =
          tf.linalg.transpose(split, tf.constant(new int[] {0, 1, 3, 2, 4, 5}));
      maps.add(tf.reshape(ordered, tf.constant(new int[] {-1, (int) hw[0], (int) hw[1], dim})));
    }
    return maps;
  }

  /** {H, W, D} of a rank-4 map, checked static and divisible by the window count. */
  static long[] staticSize(Shape s, int scale, int windows) {
    if (s.isUnknown() || s.numDimensions() != 4 || s.get(1) < 0 || s.get(2) < 0 || s.get(3) < 0) {
      throw new ShapeMismatchException("window grouping: scale " + scale
          + " expected rank 4 [N, H, W, D] with static H, W and D, found " + s);
    }
    long h = s.get(1);
    long w = s.get(2);
    if (h % windows != 0 || w % windows != 0) {
      throw new ShapeMismatchException("window grouping: scale " + scale + " expected H and W"
          + " divisible by the window count S = " + windows + ", found " + h + " x " + w
          + " (shape " + s + ")");
    }
    return new long[] {h, w, s.get(3)};
  }

  private static void checkWindows(int windows) {
    if (windows < 1) {
      throw new DelineoException("window grouping: window count S must be positive, found " + windows);
    }
  }
}
