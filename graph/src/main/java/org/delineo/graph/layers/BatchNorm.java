package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.Replica;
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
 *
 * <p>Synchronised batch norm (mmseg's SyncBN): in TRAIN under a context whose
 * {@link GraphContext#replica()} has {@code syncBatchNorm} set and a count above 1, the batch
 * statistics are those of the global batch. One mean all-reduce under the key
 * {@code name() + "/batch_stats"} (the replica's {@link org.delineo.graph.AllReduce}) gathers every
 * replica's per-channel mean and averages their variances; the global variance is then
 * E_r[var_r] + E_r[(mean_r − mean)²], as PyTorch's SyncBN merges per-device statistics, rather
 * than E[x²] − mean², which cancels badly where |mean| ≫ std. Replicas must hold equal batches:
 * only then are these the statistics of the global batch. Only replica 0 records the two updates
 * (two replicas' read-modify-write updates would compound); the running variance is corrected by
 * n/(n − 1) with n the values per channel over all replicas. Without a replica, with a single one, or with
 * {@code syncBatchNorm} off, each application uses the statistics of its own input (per-tower
 * statistics in a data-parallel step).
 *
 * <p>Every other case runs on TensorFlow's {@code FusedBatchNormV3}: one kernel forward and one
 * backward instead of a chain of primitive ops (on CPU oneDNN takes rank 4, TF's own kernel NDHWC).
 * NC and NLC inputs pass through it as NHWC with unit spatial axes. Its gradient op,
 * {@code FusedBatchNormGradV3}, has no gradient of its own, so nothing may differentiate a gradient
 * through this layer (no strategy does: Meta-Drop is first-order). The synchronised path is built
 * from primitive ops, since the fused op computes its statistics from its own input and its
 * gradient could not reach the other replicas.
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
    Optional<Replica> syncWith = ctx.training()
        ? ctx.replica().filter(r -> r.syncBatchNorm() && r.count() > 1)
        : Optional.empty();
    if (ctx.training()) {
      requireTwoValuesPerChannel(input, channels, syncWith.map(Replica::count).orElse(1));
    }
    Shape perChannel = Shape.of(channels);
    VariableStore store = ctx.variables();
    Operand<TFloat32> runningMean =
        store.variable(child("running_mean"), perChannel, Initializers.zeros(), VariableKind.STATE);
    Operand<TFloat32> runningVar =
        store.variable(child("running_var"), perChannel, Initializers.ones(), VariableKind.STATE);
    Ops tf = ctx.tf();
    Operand<TFloat32> weight = null;
    Operand<TFloat32> bias = null;
    if (affine) {
      weight = store.variable(child("weight"), perChannel, Initializers.ones(), VariableKind.NORM);
      bias = store.variable(child("bias"), perChannel, Initializers.zeros(), VariableKind.NORM);
    }
    if (syncWith.isPresent()) {
      return synchronised(ctx, syncWith.get(), input, rank, weight, bias, runningMean, runningVar);
    }
    if (!affine) {
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
    if (ctx.training() && recordsRunningStatistics(ctx)) {
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
   * TRAIN with the statistics of all replicas (see the class comment): one all-reduce of this
   * replica's per-channel variance and mean, then the normalisation in primitive ops, so that the
   * gradient flows back through the all-reduce to every replica's statistics.
   */
  private Operand<TFloat32> synchronised(
      GraphContext ctx,
      Replica replica,
      Operand<TFloat32> x,
      int rank,
      Operand<TFloat32> weight,
      Operand<TFloat32> bias,
      Operand<TFloat32> runningMean,
      Operand<TFloat32> runningVar) {
    Ops tf = ctx.tf();
    Operand<TInt32> axes = tf.range(tf.constant(0), tf.constant(rank - 1), tf.constant(1));
    Operand<TFloat32> localMean = tf.math.mean(x, axes);
    Operand<TFloat32> localVariance =
        tf.math.mean(tf.math.square(tf.math.sub(x, localMean)), axes);
    // Row 0 carries this replica's variance, row 1 + index its mean, the other rows zeros: the
    // mean over replicas then holds E_r[var_r] in row 0 and mean_r / count in row 1 + r, i.e. every
    // replica's mean (an all-gather within the one all-reduce).
    int count = replica.count();
    List<Operand<TFloat32>> rows = new ArrayList<>();
    rows.add(localVariance);
    for (int r = 0; r < count; r++) {
      rows.add(r == replica.index() ? localMean : tf.zerosLike(localMean));
    }
    List<Operand<TFloat32>> reduced = new ArrayList<>(tf.unstack(
        replica.allReduce().mean(ctx, tf.stack(rows), name() + "/batch_stats"),
        (long) count + 1).output());
    List<Operand<TFloat32>> means = new ArrayList<>();
    for (int r = 0; r < count; r++) {
      means.add(tf.math.mul(reduced.get(1 + r), tf.constant((float) count)));
    }
    Operand<TFloat32> mean = tf.math.div(tf.math.addN(means), tf.constant((float) count));
    // Var of the union of equal parts = E_r[var_r] + E_r[(mean_r − mean)²]; both terms come from
    // differences, not from E[x²] − mean², which cancels badly where |mean| ≫ std.
    List<Operand<TFloat32>> spreads = new ArrayList<>();
    for (Operand<TFloat32> m : means) {
      spreads.add(tf.math.square(tf.math.sub(m, mean)));
    }
    Operand<TFloat32> variance = tf.math.add(reduced.get(0),
        tf.math.div(tf.math.addN(spreads), tf.constant((float) count)));
    Operand<TFloat32> y = tf.math.mul(
        tf.math.sub(x, mean), tf.math.rsqrt(tf.math.add(variance, tf.constant(eps))));
    if (affine) {
      y = tf.math.add(tf.math.mul(y, weight), bias);
    }

    // n = values per channel in this replica times the replicas (equal batches assumed).
    Operand<TFloat32> n = tf.math.mul(
        tf.dtypes.cast(tf.size(x), TFloat32.class),
        tf.constant((float) replica.count() / x.shape().get(rank - 1)));
    Operand<TFloat32> unbiased =
        tf.math.mul(variance, tf.math.div(n, tf.math.sub(n, tf.constant(1f))));
    if (recordsRunningStatistics(ctx)) {
      ctx.addUpdateOp(tf.assign(ref(ctx, child("running_mean")), movingAverage(tf, runningMean, mean)));
      ctx.addUpdateOp(tf.assign(ref(ctx, child("running_var")), movingAverage(tf, runningVar, unbiased)));
    }
    return y;
  }

  /**
   * Only replica 0 (or a context without replicas) updates the running statistics. Each update
   * reads the running value and writes (1 − momentum)·running + momentum·batch, so two replicas'
   * updates in one step would compound when one reads after the other wrote, and which does was
   * up to the executor (BatchNormSyncTest once found 0.88 where 0.94 was right). With
   * synchronised statistics every replica would write the same value anyway; with per-replica
   * statistics this is PyTorch DDP's behaviour, which broadcasts rank 0's buffers.
   */
  private static boolean recordsRunningStatistics(GraphContext ctx) {
    return ctx.replica().map(r -> r.index() == 0).orElse(true);
  }

  /** (1 − momentum)·running + momentum·batch. */
  private Operand<TFloat32> movingAverage(
      Ops tf, Operand<TFloat32> running, Operand<TFloat32> batch) {
    return tf.math.add(
        tf.math.mul(running, tf.constant(1f - momentum)),
        tf.math.mul(batch, tf.constant(momentum)));
  }

  /**
   * The unbiased variance of a single value is undefined (PyTorch refuses it too); checked where
   * the shape is static, over the values of all {@code replicas} when they share statistics. A
   * batch size known only at run time is left to the kernel, which keeps a single value per channel
   * finite (it adds a batch variance of 0 to the running variance).
   */
  private void requireTwoValuesPerChannel(Operand<TFloat32> input, long channels, int replicas) {
    Shape s = input.shape();
    if (!s.hasUnknownDimension() && s.size() / channels * replicas < 2) {
      throw new DelineoException(
          name() + ": training needs more than 1 value per channel, found input shape " + s
              + (replicas > 1 ? " in each of " + replicas + " replicas" : ""));
    }
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    return (Variable<TFloat32>) ctx.variables().find(name).orElseThrow().ref();
  }
}
