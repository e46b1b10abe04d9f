package org.delineo.graph.layers;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.VariableKind;
import org.delineo.graph.VariableStore;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * Batch normalisation over the last (channel) axis of an NC, NLC, NHWC or NDHWC input, with
 * PyTorch's conventions: variables {@code weight}, {@code bias}, {@code running_mean},
 * {@code running_var}; {@code running = (1 − momentum)·running + momentum·batch}; the running
 * variance tracks the unbiased batch variance while the batch is normalised with the biased one.
 *
 * <p>TRAIN normalises with batch statistics and records two assign ops with
 * {@link GraphContext#addUpdateOp}; EVAL and PREDICT use the running statistics and record nothing.
 * Applying the module twice in TRAIN records two updates (as two PyTorch calls would); a step should
 * then run them in separate runs or accept that the last one wins.
 *
 * <p>Every mode runs on TensorFlow's {@code FusedBatchNormV3}: one kernel forward and one backward
 * instead of a chain of primitive ops (on CPU oneDNN takes rank 4, TF's own kernel NDHWC). NC and
 * NLC inputs pass through it as NHWC with unit spatial axes. Its gradient op,
 * {@code FusedBatchNormGradV3}, has no gradient of its own, so nothing may differentiate a gradient
 * through this layer (no strategy does: Meta-Drop is first-order).
 */
public final class BatchNorm extends Module implements Layer {
  /** PyTorch's default momentum. */
  public static final float DEFAULT_MOMENTUM = 0.1f;
  /** PyTorch's default epsilon. */
  public static final float DEFAULT_EPS = 1e-5f;

  private final float momentum;
  private final float eps;
  private final boolean affine;

  /** Batch norm with PyTorch defaults: momentum 0.1, eps 1e-5, affine. */
  public BatchNorm(String name) {
    this(name, DEFAULT_MOMENTUM, DEFAULT_EPS, true);
  }

  /**
   * @param momentum weight of the batch statistic in the running average, in [0, 1]
   * @param eps added to the variance before the square root, positive
   * @param affine whether to learn a per-channel scale {@code weight} and shift {@code bias}
   */
  public BatchNorm(String name, float momentum, float eps, boolean affine) {
    super(name);
    if (!(momentum >= 0f && momentum <= 1f)) {
      throw new DelineoException(name + ": momentum must lie in [0, 1], found " + momentum);
    }
    if (!(eps > 0f)) {
      throw new DelineoException(name + ": eps must be positive, found " + eps);
    }
    this.momentum = momentum;
    this.eps = eps;
    this.affine = affine;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    int rank = LayerShapes.rank(input, name(), 2, 5);
    long channels = LayerShapes.lastDim(input, name());
    if (ctx.training()) {
      requireTwoValuesPerChannel(input, channels);
    }
    Shape perChannel = Shape.of(channels);
    VariableStore store = ctx.variables();
    Operand<TFloat32> runningMean =
        store.variable(child("running_mean"), perChannel, Initializers.zeros(), VariableKind.STATE);
    Operand<TFloat32> runningVar =
        store.variable(child("running_var"), perChannel, Initializers.ones(), VariableKind.STATE);
    Ops tf = ctx.tf();
    Operand<TFloat32> weight;
    Operand<TFloat32> bias;
    if (affine) {
      weight = store.variable(child("weight"), perChannel, Initializers.ones(), VariableKind.NORM);
      bias = store.variable(child("bias"), perChannel, Initializers.zeros(), VariableKind.NORM);
    } else {
      // The fused op always scales and shifts; identity constants make it a plain standardisation.
      weight = tf.fill(tf.constant(new long[] {channels}), tf.constant(1f));
      bias = tf.fill(tf.constant(new long[] {channels}), tf.constant(0f));
    }

    // NC and NLC become NHWC with unit spatial axes: the fused op takes rank 4 or 5 only.
    Operand<TFloat32> x = switch (rank) {
      case 2 -> tf.expandDims(tf.expandDims(input, tf.constant(1)), tf.constant(1));
      case 3 -> tf.expandDims(input, tf.constant(2));
      default -> input;
    };
    // In TRAIN the op normalises with the biased batch variance, and with the running statistics
    // as its mean/variance inputs and exponential_avg_factor = momentum its batch_mean and
    // batch_variance outputs are (1 − momentum)·running + momentum·batch, the batch variance
    // corrected to the unbiased one (n/(n − 1), n = values per channel): PyTorch's update, computed
    // in the same kernel (checked against hand-computed values in BatchNormFusedKernelTest).
    FusedBatchNorm<TFloat32, TFloat32> bn =
        tf.nn.fusedBatchNorm(
            x,
            weight,
            bias,
            runningMean,
            runningVar,
            FusedBatchNorm.epsilon(eps),
            FusedBatchNorm.exponentialAvgFactor(ctx.training() ? momentum : 1f),
            FusedBatchNorm.dataFormat(rank == 5 ? "NDHWC" : "NHWC"),
            FusedBatchNorm.isTraining(ctx.training()));
    if (ctx.training()) {
      ctx.addUpdateOp(tf.assign(ref(ctx, child("running_mean")), bn.batchMean()));
      ctx.addUpdateOp(tf.assign(ref(ctx, child("running_var")), bn.batchVariance()));
    }
    Operand<TFloat32> y = bn.y();
    return switch (rank) {
      case 2 -> tf.squeeze(y, Squeeze.axis(List.of(1L, 2L)));
      case 3 -> tf.squeeze(y, Squeeze.axis(List.of(2L)));
      default -> y;
    };
  }

  /**
   * The unbiased variance of a single value is undefined (PyTorch refuses it too); checked where
   * the shape is static. A batch size known only at run time is left to the kernel, which keeps a
   * single value per channel finite (it adds a batch variance of 0 to the running variance).
   */
  private void requireTwoValuesPerChannel(Operand<TFloat32> input, long channels) {
    Shape s = input.shape();
    if (!s.hasUnknownDimension() && s.size() / channels < 2) {
      throw new DelineoException(
          name() + ": training needs more than 1 value per channel, found input shape " + s);
    }
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    return (Variable<TFloat32>) ctx.variables().find(name).orElseThrow().ref();
  }
}
