package org.delineo.graph.layers;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Group normalisation (PyTorch {@code nn.GroupNorm}) over channels-last inputs of rank 2..5: the
 * channels are split into {@code groups} consecutive groups and each sample is normalised over its
 * spatial axes and the channels of one group; then a per-channel {@code weight} and {@code bias}.
 */
public final class GroupNorm extends Module implements Layer {
  /** PyTorch's default epsilon. */
  public static final float DEFAULT_EPS = 1e-5f;

  private final int groups;
  private final float eps;
  private final boolean affine;

  /** Group norm with PyTorch defaults: eps 1e-5, affine. */
  public GroupNorm(String name, int groups) {
    this(name, groups, DEFAULT_EPS, true);
  }

  /**
   * @param groups number of channel groups; must divide the channel count
   * @param eps added to the variance before the square root, positive
   * @param affine whether to learn a per-channel {@code weight} (ones) and {@code bias} (zeros)
   */
  public GroupNorm(String name, int groups, float eps, boolean affine) {
    super(name);
    if (groups < 1) {
      throw new DelineoException(name + ": groups must be at least 1, found " + groups);
    }
    if (!(eps > 0f)) {
      throw new DelineoException(name + ": eps must be positive, found " + eps);
    }
    this.groups = groups;
    this.eps = eps;
    this.affine = affine;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    int rank = LayerShapes.rank(input, name(), 2, 5);
    long channels = LayerShapes.lastDim(input, name());
    if (channels % groups != 0) {
      throw new DelineoException(
          name() + ": channels must be divisible by groups = " + groups
              + ", expected a multiple of " + groups + " channels, found " + channels);
    }
    Ops tf = ctx.tf();
    // [N, S..., C] -> [N, S..., G, C/G]; statistics over S... and C/G (axes 1..rank-2 and rank).
    Operand<TFloat32> grouped =
        tf.reshape(input, LayerShapes.reshapeTarget(tf, input, rank - 1, groups, channels / groups));
    int[] axes = new int[rank - 1];
    System.arraycopy(LayerShapes.range(1, rank - 1), 0, axes, 0, rank - 2);
    axes[rank - 2] = rank;
    Operand<TInt32> reduce = tf.constant(axes);
    Operand<TFloat32> mean = tf.math.mean(grouped, reduce, Mean.keepDims(true));
    Operand<TFloat32> variance =
        tf.math.mean(tf.math.squaredDifference(grouped, mean), reduce, Mean.keepDims(true));
    Operand<TFloat32> normalised =
        tf.math.mul(tf.math.sub(grouped, mean), tf.math.rsqrt(tf.math.add(variance, tf.constant(eps))));
    Operand<TFloat32> restored = tf.reshape(normalised, tf.shape(input));
    if (!affine) {
      return restored;
    }
    Shape perChannel = Shape.of(channels);
    Operand<TFloat32> weight =
        ctx.variables().variable(child("weight"), perChannel, Initializers.ones(), VariableKind.NORM);
    Operand<TFloat32> bias =
        ctx.variables().variable(child("bias"), perChannel, Initializers.zeros(), VariableKind.NORM);
    return tf.math.add(tf.math.mul(restored, weight), bias);
  }
}
