package org.delineo.graph.gradients;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * y = (x − mean(x)) · rsqrt(var(x) + eps) over some axes (biased variance, as instance norm and
 * batch norm in training use), with a closed-form gradient that reads only y and the per-group
 * r = rsqrt(var + eps):
 *
 * <pre>  dx = r · (dy − mean(dy) − y · mean(dy · y))</pre>
 *
 * <p>Why: differentiated op by op, the composed forward (mean, subtract, square, mean, rsqrt, mul)
 * keeps its input and its full-size intermediates alive until the backward pass and builds about
 * fifteen full-size backward ops (Tile, BroadcastGradientArgs, Sum, Mul, Div...); this gradient
 * keeps y (which the next activation keeps anyway) and r, and builds seven. Built like
 * {@link CustomGradients#reluReadingOutput}: the forward reads x through StopGradient, and an
 * {@code IdentityN(y, x, r)} marked with {@link #AXES} carries the gradient to x.
 */
public final class StandardizeReadingOutput {
  /** The attribute that marks the IdentityN and records the reduced axes. */
  public static final String AXES = "_delineo_standardize_axes";

  private StandardizeReadingOutput() {}

  /**
   * Standardizes {@code x} over {@code axes} (each group of elements sharing the other indices gets
   * mean 0 and variance var / (var + eps)).
   */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int[] axes, float eps) {
    CustomGradients.install();
    Operand<TInt32> axis = tf.constant(axes);
    Operand<TFloat32> in = tf.stopGradient(x);
    Operand<TFloat32> centred = tf.math.sub(in, tf.math.mean(in, axis, Mean.keepDims(true)));
    Operand<TFloat32> variance = tf.math.mean(tf.math.square(centred), axis, Mean.keepDims(true));
    Operand<TFloat32> r = tf.math.rsqrt(tf.math.add(variance, tf.constant(eps)));
    Operand<TFloat32> y = tf.math.mul(centred, r);
    return float32(tf.scope().opBuilder("IdentityN", "StandardizeReadingOutput")
        .addInputList(new Output<?>[] {y.asOutput(), x.asOutput(), r.asOutput()})
        .setAttr(AXES, Arrays.stream(axes).asLongStream().toArray())
        .build()
        .output(0));
  }

  /** Whether {@code op} is an IdentityN built by {@link #apply}. */
  static boolean marks(GraphOperation op) {
    try {
      op.attributes().getAttrIntList(AXES);
      return true;
    } catch (RuntimeException absent) {
      return false;
    }
  }

  /**
   * Gradients of {@code IdentityN(y, x, r)}: x gets the closed form above (plus what arrives at the
   * IdentityN's second output, unless it is the ZerosLike TF's builder puts on an unread output);
   * y and r get zeros, which end at the forward's StopGradient, so no op that makes them runs.
   */
  static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
    Operand<TInt32> axis = tf.constant(
        Arrays.stream(op.attributes().getAttrIntList(AXES)).mapToInt(a -> (int) a).toArray());
    Operand<TFloat32> y = float32(op.input(0));
    Operand<TFloat32> r = float32(op.input(2));
    Operand<TFloat32> dy = float32(grads.get(0));
    Operand<TFloat32> meanDy = tf.math.mean(dy, axis, Mean.keepDims(true));
    Operand<TFloat32> meanDyY = tf.math.mean(tf.math.mul(dy, y), axis, Mean.keepDims(true));
    Operand<TFloat32> dx =
        tf.math.mul(r, tf.math.sub(tf.math.sub(dy, meanDy), tf.math.mul(y, meanDyY)));
    return List.of(tf.zerosLike(y), CustomGradients.plusPassedThrough(tf, dx, grads.get(1)), tf.zerosLike(r));
  }

  /** The outputs here are all float32 (the op is built only on float32 input). */
  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> float32(Operand<?> operand) {
    return (Operand<TFloat32>) operand;
  }
}
