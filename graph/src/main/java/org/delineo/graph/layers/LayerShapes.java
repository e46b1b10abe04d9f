package org.delineo.graph.layers;

import java.util.Arrays;
import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;

/** Static-shape checks and reshape targets shared by the dense, attention and norm layers. */
final class LayerShapes {
  private LayerShapes() {}

  /** The static rank of {@code x}, which must lie in [min, max]. */
  static int rank(Operand<?> x, String owner, int min, int max) {
    Shape s = x.shape();
    if (s.isUnknown()) {
      throw new ShapeMismatchException(
          owner + ": expected an input of known rank " + min + ".." + max + ", found unknown shape");
    }
    int r = s.numDimensions();
    if (r < min || r > max) {
      throw new ShapeMismatchException(
          owner + ": expected an input of rank " + min + ".." + max + ", found shape " + s);
    }
    return r;
  }

  /** The static size of the last (channel / feature) axis; variables are sized from it. */
  static long lastDim(Operand<?> x, String owner) {
    Shape s = x.shape();
    long size = s.isUnknown() || s.numDimensions() == 0 ? Shape.UNKNOWN_SIZE : s.size(s.numDimensions() - 1);
    if (size < 0) {
      throw new ShapeMismatchException(
          owner + ": expected a static size on the last (channel) axis, found shape " + s);
    }
    return size;
  }

  /** {@code from, from+1, ..., to-1}: the axes of a reduction. */
  static int[] range(int from, int to) {
    int[] out = new int[Math.max(0, to - from)];
    for (int i = 0; i < out.length; i++) {
      out[i] = from + i;
    }
    return out;
  }

  /**
   * A reshape target made of the first {@code leading} dimensions of {@code x} followed by
   * {@code tail}. A constant (with −1 for the single unknown dimension) whenever possible, so the
   * result keeps a fully static shape; otherwise the leading part is sliced from {@code shape(x)},
   * which TF's shape inference still resolves to the known dimensions.
   */
  static Operand<TInt32> reshapeTarget(Ops tf, Operand<?> x, int leading, long... tail) {
    return leadingThen(tf, x, leading, tail, 1);
  }

  /**
   * The exact shape made of the first {@code leading} dimensions of {@code x} followed by {@code
   * tail}, e.g. for a random op (which, unlike reshape, takes no −1).
   */
  static Operand<TInt32> exactShape(Ops tf, Operand<?> x, int leading, long... tail) {
    return leadingThen(tf, x, leading, tail, 0);
  }

  private static Operand<TInt32> leadingThen(
      Ops tf, Operand<?> x, int leading, long[] tail, int unknownAllowed) {
    Shape s = x.shape();
    int[] target = new int[leading + tail.length];
    int unknown = 0;
    for (int i = 0; i < leading; i++) {
      long d = s.size(i);
      target[i] = (int) d;
      if (d < 0) {
        target[i] = -1;
        unknown++;
      }
    }
    for (int i = 0; i < tail.length; i++) {
      target[leading + i] = (int) tail[i];
    }
    if (unknown <= unknownAllowed) {
      return tf.constant(target);
    }
    int[] tailInts = Arrays.copyOfRange(target, leading, target.length);
    Operand<TInt32> head = tf.stridedSlice(tf.shape(x), Indices.slice(0, leading));
    return tf.concat(List.of(head, tf.constant(tailInts)), tf.constant(0));
  }
}
