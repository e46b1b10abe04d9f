package org.delineo.graph.backbones;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * How Swin cuts a map into non-overlapping square windows and puts it back (mmseg's
 * {@code ShiftWindowMSA.window_partition} / {@code window_reverse}), and the bottom/right zero
 * padding that makes a map a whole number of windows or patches (mmseg's {@code F.pad(query, (0, 0,
 * 0, pad_r, 0, pad_b))} and {@code AdaptivePadding(padding='corner')}) with the crop that undoes
 * it, and the cyclic shift ({@code torch.roll}). Maps are NHWC; windows are listed image by image,
 * each image's windows row-major, each window's tokens row-major, which is mmseg's order.
 */
final class SwinWindows {
  private SwinWindows() {}

  /**
   * {@code x} [B, H, W, C] with zero rows appended at the bottom and zero columns at the right up to
   * the next multiples of {@code m}; {@code x} itself when it already fits.
   */
  static Operand<TFloat32> padBottomRight(Ops tf, Operand<TFloat32> x, int m) {
    Extent h = Extent.of(tf, x, 1);
    Extent w = Extent.of(tf, x, 2);
    Extent hp = h.roundUp(tf, m);
    Extent wp = w.roundUp(tf, m);
    Extent padBottom = hp.minus(tf, h);
    Extent padRight = wp.minus(tf, w);
    if (padBottom.isKnown() && padRight.isKnown() && padBottom.get() == 0 && padRight.get() == 0) {
      return x;
    }
    Extent zero = Extent.of(0);
    Operand<TInt32> paddings = tf.reshape(Extent.vector(tf, zero, zero, zero, padBottom, zero, padRight, zero, zero),
        tf.constant(new int[] {4, 2}));
    Operand<TFloat32> padded = tf.pad(x, paddings, tf.constant(0f));
    if (padBottom.isKnown() && padRight.isKnown()) {
      return padded;
    }
    // Pad by amounts known only when the step runs leaves every axis unknown, the channels too,
    // which the layers after need: a reshape to the same shape states what is known.
    return tf.reshape(padded, Extent.vector(tf, Extent.of(tf, x, 0), hp, wp, Extent.of(tf, x, 3)));
  }

  /**
   * The top-left H × W of {@code x} [B, H', W', C], with H and W those of {@code like} (H' ≥ H,
   * W' ≥ W): undoes {@link #padBottomRight}.
   */
  static Operand<TFloat32> cropTo(Ops tf, Operand<TFloat32> x, Operand<TFloat32> like) {
    Extent h = Extent.of(tf, like, 1);
    Extent w = Extent.of(tf, like, 2);
    if (h.isKnown() && w.isKnown() && h.get() == x.shape().get(1) && w.get() == x.shape().get(2)) {
      return x;
    }
    Operand<TInt32> size = Extent.vector(tf, Extent.of(tf, x, 0), h, w, Extent.of(tf, x, 3));
    return tf.slice(x, tf.constant(new int[] {0, 0, 0, 0}), size);
  }

  /**
   * {@code x} [B, Hp, Wp, C] (Hp, Wp multiples of {@code size}) as windows [B·nW, size², C], nW =
   * (Hp / size)·(Wp / size): window (i, j) of image b is row b·nW + i·(Wp / size) + j and holds the
   * tokens (i·size + r, j·size + c) in row-major (r, c) order.
   */
  static <T extends TType> Operand<T> partition(Ops tf, Operand<T> x, int size) {
    Extent rows = Extent.of(tf, x, 1).dividedBy(tf, size);
    Extent cols = Extent.of(tf, x, 2).dividedBy(tf, size);
    Extent channels = Extent.of(tf, x, 3);
    Extent s = Extent.of(size);
    Operand<T> grid = tf.reshape(x, Extent.vector(tf, Extent.INFERRED, rows, s, cols, s, channels));
    Operand<T> windows = tf.linalg.transpose(grid, tf.constant(new int[] {0, 1, 3, 2, 4, 5}));
    return tf.reshape(windows, Extent.vector(tf, Extent.INFERRED, Extent.of(size * size), channels));
  }

  /**
   * The inverse of {@link #partition}: windows [B·nW, size², C] back to the map [B, Hp, Wp, C] whose
   * height and width are those of {@code like}.
   */
  static Operand<TFloat32> reverse(Ops tf, Operand<TFloat32> windows, int size, Operand<TFloat32> like) {
    Extent h = Extent.of(tf, like, 1);
    Extent w = Extent.of(tf, like, 2);
    Extent channels = Extent.of(tf, windows, 2);
    Extent s = Extent.of(size);
    Operand<TFloat32> grid = tf.reshape(windows,
        Extent.vector(tf, Extent.INFERRED, h.dividedBy(tf, size), w.dividedBy(tf, size), s, s, channels));
    Operand<TFloat32> map = tf.linalg.transpose(grid, tf.constant(new int[] {0, 1, 3, 2, 4, 5}));
    return tf.reshape(map, Extent.vector(tf, Extent.INFERRED, h, w, channels));
  }

  /**
   * {@code torch.roll(x, shifts=(by, by), dims=(1, 2))} of a map [B, H, W, C]: the value at (y, x)
   * moves to ((y + by) mod H, (x + by) mod W); Swin's cyclic shift with {@code by} = −shift.
   */
  static Operand<TFloat32> roll(Ops tf, Operand<TFloat32> x, int by) {
    return tf.roll(x, tf.constant(new int[] {by, by}), tf.constant(new int[] {1, 2}));
  }
}
