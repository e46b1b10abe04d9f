package org.delineo.graph.layers;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.VariableKind;
import org.delineo.graph.gradients.StandardizeReadingOutput;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Instance normalisation: each sample and channel is normalised over its spatial axes (NLC, NHWC,
 * NDHWC), as PyTorch's {@code InstanceNorm1d/2d/3d} with their defaults (no affine parameters unless
 * asked, no running statistics, so TRAIN and EVAL compute the same thing).
 */
public final class InstanceNorm extends Module implements Layer {
  /** PyTorch's default epsilon. */
  public static final float DEFAULT_EPS = 1e-5f;

  private final float eps;
  private final boolean affine;

  /** Instance norm with PyTorch defaults: eps 1e-5, no affine parameters. */
  public InstanceNorm(String name) {
    this(name, DEFAULT_EPS, false);
  }

  /**
   * @param eps added to the variance before the square root, positive
   * @param affine whether to learn a per-channel {@code weight} (ones) and {@code bias} (zeros)
   */
  public InstanceNorm(String name, float eps, boolean affine) {
    super(name);
    if (!(eps > 0f)) {
      throw new DelineoException(name + ": eps must be positive, found " + eps);
    }
    this.eps = eps;
    this.affine = affine;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    int rank = LayerShapes.rank(input, name(), 3, 5);
    long channels = LayerShapes.lastDim(input, name());
    Ops tf = ctx.tf();
    // Closed-form gradient: keeps the output and 1/σ per (sample, channel) for the backward pass,
    // not the input and the forward's full-size intermediates.
    Operand<TFloat32> normalised =
        StandardizeReadingOutput.apply(tf, input, LayerShapes.range(1, rank - 1), eps);
    if (!affine) {
      return normalised;
    }
    Shape perChannel = Shape.of(channels);
    Operand<TFloat32> weight =
        ctx.variables().variable(child("weight"), perChannel, Initializers.ones(), VariableKind.NORM);
    Operand<TFloat32> bias =
        ctx.variables().variable(child("bias"), perChannel, Initializers.zeros(), VariableKind.NORM);
    return tf.math.add(tf.math.mul(normalised, weight), bias);
  }
}
