package org.delineo.graph.layers;

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
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

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
    Shape perChannel = Shape.of(channels);
    VariableStore store = ctx.variables();
    Operand<TFloat32> runningMean =
        store.variable(child("running_mean"), perChannel, Initializers.zeros(), VariableKind.STATE);
    Operand<TFloat32> runningVar =
        store.variable(child("running_var"), perChannel, Initializers.ones(), VariableKind.STATE);
    Operand<TFloat32> weight = null;
    Operand<TFloat32> bias = null;
    if (affine) {
      weight = store.variable(child("weight"), perChannel, Initializers.ones(), VariableKind.NORM);
      bias = store.variable(child("bias"), perChannel, Initializers.zeros(), VariableKind.NORM);
    }

    Ops tf = ctx.tf();
    Operand<TFloat32> mean;
    Operand<TFloat32> variance;
    if (ctx.training()) {
      Operand<TInt32> axes = tf.constant(LayerShapes.range(0, rank - 1));
      mean = tf.math.mean(input, axes);
      // Two passes (mean, then mean squared deviation) rather than E[x²] − E[x]², which cancels badly.
      variance = tf.math.mean(tf.math.squaredDifference(input, mean), axes);
      recordUpdates(ctx, input, channels, runningMean, runningVar, mean, variance);
    } else {
      mean = runningMean;
      variance = runningVar;
    }
    // y = x·scale + shift with per-channel scale and shift: only two ops touch the full tensor.
    Operand<TFloat32> scale = tf.math.rsqrt(tf.math.add(variance, tf.constant(eps)));
    if (affine) {
      scale = tf.math.mul(scale, weight);
    }
    Operand<TFloat32> shifted = tf.math.mul(mean, scale);
    Operand<TFloat32> shift = affine ? tf.math.sub(bias, shifted) : tf.math.neg(shifted);
    return tf.math.add(tf.math.mul(input, scale), shift);
  }

  private void recordUpdates(
      GraphContext ctx,
      Operand<TFloat32> input,
      long channels,
      Operand<TFloat32> runningMean,
      Operand<TFloat32> runningVar,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance) {
    Ops tf = ctx.tf();
    Shape s = input.shape();
    Operand<TFloat32> correction;
    if (!s.hasUnknownDimension()) {
      long n = s.size() / channels;
      if (n < 2) {
        throw new DelineoException(
            name() + ": training needs more than 1 value per channel, found input shape " + s);
      }
      correction = tf.constant((float) n / (n - 1));
    } else {
      // n is only known at run time; max(n − 1, 1) keeps a single-value batch finite instead of inf.
      Operand<TFloat32> n =
          tf.math.div(tf.dtypes.cast(tf.size(input), TFloat32.class), tf.constant((float) channels));
      correction = tf.math.div(n, tf.math.maximum(tf.math.sub(n, tf.constant(1f)), tf.constant(1f)));
    }
    Operand<TFloat32> batchMean = tf.stopGradient(mean);
    Operand<TFloat32> unbiasedVar = tf.math.mul(tf.stopGradient(variance), correction);
    Operand<TFloat32> keep = tf.constant(1f - momentum);
    Operand<TFloat32> take = tf.constant(momentum);
    ctx.addUpdateOp(
        tf.assign(
            ref(ctx, child("running_mean")),
            tf.math.add(tf.math.mul(runningMean, keep), tf.math.mul(batchMean, take))));
    ctx.addUpdateOp(
        tf.assign(
            ref(ctx, child("running_var")),
            tf.math.add(tf.math.mul(runningVar, keep), tf.math.mul(unbiasedVar, take))));
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    return (Variable<TFloat32>) ctx.variables().find(name).orElseThrow().ref();
  }
}
