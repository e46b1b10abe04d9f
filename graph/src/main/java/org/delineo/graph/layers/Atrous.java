package org.delineo.graph.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Dilated (atrous) 2-D convolution built from undilated ones, the idea of
 * {@code tf.nn.atrous_conv2d}: SpaceToBatchND splits the image into rate × rate interleaved
 * sub-images, an undilated stride-1 convolution runs on each, BatchToSpaceND interleaves the
 * results again. TF's {@code dilations} attribute is never used: Conv2D's gradient ignores it
 * and the depthwise CPU kernel rejects it.
 *
 * <p>Two savings over {@code atrous_conv2d}, both exact (the same products and sums):
 * <ul>
 *   <li><b>Padding inside the sub-images.</b> Where the layer pads a multiple of the rate on a
 *       side (PyTorch's {@code padding = dilation} for odd kernels always does), the rate · m zeros
 *       of the dilated kernel are m zeros of each sub-image, so the inner convolution pads them
 *       (SAME, or a small Pad) and SpaceToBatchND pads only up to a multiple of the rate. tf's way
 *       pads the image itself, which for DeepLabV3+'s ASPP (rate 36 on a 64² map) makes a copy
 *       4.5× the input that the backward pass keeps alive, plus a gradient of the same size.</li>
 *   <li><b>Taps that only ever read padding are dropped.</b> With a static size, a kernel tap
 *       whose window never overlaps the input multiplies zeros; the kernel is sliced to the taps
 *       that do (rate 36 on a 32² map leaves the centre one, a 1 × 1 convolution, on both axes).
 *       The dropped taps get the zero gradient they would have had.</li>
 * </ul>
 * Sizes not divisible by the rate are padded at the end and cropped off again, so any H and W
 * work; an unknown H or W keeps every tap and does the arithmetic on the run-time shape.
 */
final class Atrous {
  /** The undilated, stride-1 convolution run on the sub-images. */
  @FunctionalInterface
  interface InnerConvolution {
    /**
     * @param input the sub-images (NHWC)
     * @param kernel the kernel, possibly sliced to fewer taps; its first two axes are spatial
     * @param padding the zeros around each sub-image, always explicit amounts
     */
    Operand<TFloat32> apply(Operand<TFloat32> input, Operand<TFloat32> kernel, Padding padding);
  }

  /**
   * How one spatial axis is computed.
   *
   * @param firstTap first kernel tap kept
   * @param taps taps kept
   * @param block SpaceToBatchND block: the rate, or 1 where one tap is left
   * @param outerBefore zeros SpaceToBatchND pads before the image
   * @param outerAfter zeros it pads after (before rounding up to a multiple of the block)
   * @param innerBefore zeros the inner convolution pads before each sub-image
   * @param innerAfter zeros it pads after
   */
  record AxisPlan(int firstTap, int taps, int block, int outerBefore, int outerAfter, int innerBefore,
      int innerAfter) {
    /**
     * @param size input size on this axis, or negative when unknown
     * @param kernel kernel taps on this axis
     * @param rate dilation
     * @param before zeros the layer pads before
     * @param after zeros the layer pads after
     */
    static AxisPlan of(long size, int kernel, int rate, int before, int after) {
      int first = 0;
      int last = kernel - 1;
      if (size >= 0) {
        long out = size + before + after - (long) (kernel - 1) * rate;
        while (first <= last && !overlaps(first, size, out, rate, before)) {
          first++;
        }
        while (last >= first && !overlaps(last, size, out, rate, before)) {
          last--;
        }
        if (first > last || before - first * rate < 0 || after - (kernel - 1 - last) * rate < 0) {
          first = 0; // nothing overlaps, or the output would need cropping: keep the plain layout
          last = kernel - 1;
        }
      }
      int taps = last - first + 1;
      int pre = before - first * rate;
      int post = after - (kernel - 1 - last) * rate;
      int block = taps > 1 ? rate : 1;
      if (pre % block == 0 && post % block == 0) {
        return new AxisPlan(first, taps, block, 0, 0, pre / block, post / block);
      }
      return new AxisPlan(first, taps, block, pre, post, 0, 0);
    }

    /** Whether tap {@code t} reads any input row for some output row in [0, out). */
    private static boolean overlaps(int t, long size, long out, int rate, int before) {
      long lo = (long) t * rate - before;
      return out > 0 && lo + out - 1 >= 0 && lo <= size - 1;
    }
  }

  private Atrous() {}

  /**
   * {@code conv} applied as if {@code kernel} (shape [kh, kw, ...], static) were dilated by
   * {@code rate}, with the layer's {@code padding}.
   */
  static Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, int rate, Padding padding,
      InnerConvolution conv) {
    Shape k = kernel.shape();
    int kh = (int) k.get(0);
    int kw = (int) k.get(1);
    int[][] base = padding.strideOneAmounts((kh - 1) * rate + 1, (kw - 1) * rate + 1);
    Shape s = x.shape();
    AxisPlan rows = AxisPlan.of(s.get(1), kh, rate, base[0][0], base[0][1]);
    AxisPlan cols = AxisPlan.of(s.get(2), kw, rate, base[1][0], base[1][1]);
    Operand<TFloat32> taps = kernel;
    if (rows.taps() < kh || cols.taps() < kw) {
      // int32 indices: Slice's C++ gradient subtracts them from an int32 Shape.
      int[] begin = new int[k.numDimensions()];
      int[] size = new int[k.numDimensions()];
      for (int i = 0; i < size.length; i++) {
        size[i] = (int) k.get(i);
      }
      begin[0] = rows.firstTap();
      begin[1] = cols.firstTap();
      size[0] = rows.taps();
      size[1] = cols.taps();
      taps = tf.slice(kernel, tf.constant(begin), tf.constant(size));
    }
    Padding inner = Padding.explicit(rows.innerBefore(), rows.innerAfter(), cols.innerBefore(), cols.innerAfter());
    if (rows.block() == 1 && cols.block() == 1) {
      // One tap left on each axis: the rate no longer matters, an ordinary convolution does it.
      return conv.apply(x, taps, inner);
    }
    Operand<TInt32> block = tf.constant(new int[] {rows.block(), cols.block()});
    Operand<TInt32> paddings;
    Operand<TInt32> crops;
    if (s.get(1) >= 0 && s.get(2) >= 0) {
      int[][] pad = new int[2][];
      int[][] crop = new int[2][];
      long[] sizes = {s.get(1), s.get(2)};
      AxisPlan[] plans = {rows, cols};
      for (int axis = 0; axis < 2; axis++) {
        AxisPlan p = plans[axis];
        long full = sizes[axis] + p.outerBefore() + p.outerAfter();
        int extra = (int) ((p.block() - full % p.block()) % p.block());
        pad[axis] = new int[] {p.outerBefore(), p.outerAfter() + extra};
        crop[axis] = new int[] {0, extra};
      }
      paddings = tf.constant(pad);
      crops = tf.constant(crop);
    } else {
      // Unknown H or W: the same rounding on the run-time shape.
      Operand<TInt32> spatial =
          tf.stridedSlice(tf.shape(x), tf.constant(new int[] {1}), tf.constant(new int[] {3}),
              tf.constant(new int[] {1}));
      Operand<TInt32> before = tf.constant(new int[] {rows.outerBefore(), cols.outerBefore()});
      Operand<TInt32> after = tf.constant(new int[] {rows.outerAfter(), cols.outerAfter()});
      Operand<TInt32> full = tf.math.add(spatial, tf.math.add(before, after));
      Operand<TInt32> extra = tf.math.floorMod(tf.math.sub(block, tf.math.floorMod(full, block)), block);
      paddings = tf.stack(List.of(before, tf.math.add(after, extra)), Stack.axis(1L));
      crops = tf.stack(List.of(tf.zerosLike(extra), extra), Stack.axis(1L));
    }
    Operand<TFloat32> batched = tf.spaceToBatchNd(x, block, paddings);
    return tf.batchToSpaceNd(conv.apply(batched, taps, inner), block, crops);
  }
}
