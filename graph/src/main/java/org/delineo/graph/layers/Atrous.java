package org.delineo.graph.layers;

import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Dilated (atrous) 2-D convolution the way {@code tf.nn.atrous_conv2d} builds it:
 * SpaceToBatchND splits the (padded) image into rate × rate interleaved sub-images, an undilated
 * VALID convolution runs on each, BatchToSpaceND interleaves the results again. TF's Conv2D
 * {@code dilations} attribute is never used: its gradient is silently wrong, and the depthwise CPU
 * kernel rejects it.
 *
 * <p>SpaceToBatchND needs padded sizes divisible by the rate; the shortfall is padded at the end
 * and cropped off again by BatchToSpaceND, so any H and W work.
 */
final class Atrous {
  private Atrous() {}

  /**
   * Applies {@code validConv} (an undilated, stride-1, VALID convolution with a kh × kw kernel) as if
   * its kernel were dilated by {@code rate}, with the given padding.
   */
  static Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> x, int rate, int kh, int kw, Padding padding,
      UnaryOperator<Operand<TFloat32>> validConv) {
    int[][] base = padding.strideOneAmounts((kh - 1) * rate + 1, (kw - 1) * rate + 1);
    Operand<TInt32> block = tf.constant(new int[] {rate, rate});
    Operand<TInt32> paddings;
    Operand<TInt32> crops;
    Shape s = x.shape();
    if (s.get(1) >= 0 && s.get(2) >= 0) {
      int[][] pad = new int[2][2];
      int[][] crop = new int[2][2];
      for (int axis = 0; axis < 2; axis++) {
        long full = s.get(axis + 1) + base[axis][0] + base[axis][1];
        int extra = (int) ((rate - full % rate) % rate);
        pad[axis] = new int[] {base[axis][0], base[axis][1] + extra};
        crop[axis] = new int[] {0, extra};
      }
      paddings = tf.constant(pad);
      crops = tf.constant(crop);
    } else {
      // Unknown H or W: the same arithmetic on the run-time shape.
      Operand<TInt32> spatial =
          tf.stridedSlice(tf.shape(x), tf.constant(new int[] {1}), tf.constant(new int[] {3}),
              tf.constant(new int[] {1}));
      Operand<TInt32> before = tf.constant(new int[] {base[0][0], base[1][0]});
      Operand<TInt32> after = tf.constant(new int[] {base[0][1], base[1][1]});
      Operand<TInt32> r = tf.constant(rate);
      Operand<TInt32> full = tf.math.add(spatial, tf.math.add(before, after));
      Operand<TInt32> extra = tf.math.floorMod(tf.math.sub(r, tf.math.floorMod(full, r)), r);
      paddings = tf.stack(List.of(before, tf.math.add(after, extra)), Stack.axis(1L));
      crops = tf.stack(List.of(tf.zerosLike(extra), extra), Stack.axis(1L));
    }
    Operand<TFloat32> batched = tf.spaceToBatchNd(x, block, paddings);
    return tf.batchToSpaceNd(validConv.apply(batched), block, crops);
  }
}
