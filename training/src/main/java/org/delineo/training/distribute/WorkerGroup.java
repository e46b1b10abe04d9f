package org.delineo.training.distribute;

import org.delineo.graph.AllReduce;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Replica;
import org.delineo.graph.distribute.CollectiveAllReduce;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.NormType;
import org.delineo.proto.RuntimeConfig;
import org.delineo.proto.TrainingState;
import org.delineo.training.config.ConfigException;
import org.delineo.training.run.ReplicaDevices;
import org.delineo.training.data.pipeline.DataShard;
import org.delineo.training.optim.Optimizer;
import org.delineo.training.strategy.TrainStep;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ConfigProto;

/**
 * What one worker process of a data-parallel run across processes needs to train: every worker
 * builds the same graph and trains on its {@link #shard} of each batch; the gradients of each
 * update are averaged over the workers ({@link #meanOverWorkers}), so that one optimizer update
 * keeps the workers' variables equal; worker 0 alone initialises or restores, then sends its
 * variables and position to the others ({@link Prepared#startFromWorkerZero}), and alone evaluates
 * and writes to the run directory, telling the others whether it stops
 * ({@link Prepared#agreeOnStop}).
 *
 * <p>Three collective groups, each with its own key (chosen away from the small keys that groups
 * of devices within one process use): the step's all-reduces (gradients and logged scalars) wait
 * for the others at most the step timeout, which is what detects a worker that died; the start
 * broadcast and the stop agreement wait at most the synchronisation timeout, which allows for
 * workers that start at different times and for worker 0's evaluations and checkpoints.
 */
public final class WorkerGroup {
  /** The group key of the step's all-reduces over the workers. */
  public static final int STEP_GROUP_KEY = 1001;
  /** The group key of the stop agreement. */
  public static final int SYNC_GROUP_KEY = 1002;
  /** The group key of the start broadcast. */
  public static final int BROADCAST_GROUP_KEY = 1003;

  private final WorkerCluster cluster;
  private final float stepTimeoutSeconds;
  private final float syncTimeoutSeconds;
  private final AllReduce stepMean;

  /**
   * @param stepTimeoutSeconds how long a training step's all-reduce waits for the other workers
   * @param syncTimeoutSeconds how long the start and the stop agreement wait for them
   */
  public WorkerGroup(WorkerCluster cluster, float stepTimeoutSeconds, float syncTimeoutSeconds) {
    this.cluster = cluster;
    this.stepTimeoutSeconds = stepTimeoutSeconds;
    this.syncTimeoutSeconds = syncTimeoutSeconds;
    this.stepMean = new CollectiveAllReduce(cluster.size(), STEP_GROUP_KEY, stepTimeoutSeconds);
  }

  public WorkerCluster cluster() {
    return cluster;
  }

  /** Whether this worker writes the run directory (worker 0). */
  public boolean writesRun() {
    return cluster.isChief();
  }

  /**
   * Checks, before anything is built or written, that {@code config} can train in this group:
   * every batch size splits evenly among the workers, and no dynamic loss scaling.
   *
   * @throws ConfigException naming the field otherwise
   */
  public void check(ExperimentConfig config) {
    DataShard shard = shard();
    shard.sizeOf(config.getData().getBatchSize(), "field 'data.batch_size'");
    if (config.getData().getUnlabeledBatchSize() > 0) {
      shard.sizeOf(config.getData().getUnlabeledBatchSize(), "field 'data.unlabeled_batch_size'");
    }
    if (config.getStrategy().hasMetaDrop()) {
      shard.sizeOf(config.getStrategy().getMetaDrop().getMetaBatchSize(), "field 'strategy.meta_drop.meta_batch_size'");
    }
    if (config.getModel().getNorm() == NormType.SYNC_BATCH && ReplicaDevices.resolve(config).size() > 1) {
      throw new ConfigException("field 'model.norm': SYNC_BATCH with several towers per worker is not supported"
          + " across worker processes (the towers' statistics would be averaged within each worker only);"
          + " expected one tower per worker, or BATCH");
    }
    if (config.getRuntime().getPrecision() == RuntimeConfig.Precision.FP16) {
      throw new ConfigException(WorkerMeanOptimizer.FP16_REFUSED);
    }
  }

  /**
   * This worker's place among the workers, as the TRAIN context carries it: batch norm with
   * {@code model.norm: SYNC_BATCH} then normalises with the statistics of the whole batch, averaged
   * over the workers by the step's all-reduce.
   */
  public Replica replica(ExperimentConfig config) {
    return new Replica(cluster.taskIndex(), cluster.size(), "", stepMean,
        config.getModel().getNorm() == NormType.SYNC_BATCH);
  }

  /** The part of every batch this worker trains on. */
  public DataShard shard() {
    return new DataShard(cluster.taskIndex(), cluster.size());
  }

  /** {@code optimizer} applying the mean of the workers' gradients ({@link WorkerMeanOptimizer}). */
  public Optimizer meanOverWorkers(Optimizer optimizer) {
    return new WorkerMeanOptimizer(optimizer, stepMean);
  }

  /**
   * {@code step} with its loss and logged scalars averaged over the workers, built in
   * {@code graph}: every worker logs the loss of the whole batch.
   */
  public TrainStep meanScalars(Graph graph, TrainStep step) {
    return WorkerScalars.meanOf(GraphContext.create(graph, Mode.TRAIN, 0), step, stepMean);
  }

  /**
   * Starts this worker's server (once per process) and opens a session on it.
   *
   * @param base the session options of the run (threads, devices, optimisations)
   */
  public Session open(Graph graph, ConfigProto base) {
    ConfigProto config = cluster.sessionConfig(base);
    WorkerServer.start(cluster.serverDef(config));
    return TargetSession.open(graph, cluster.target(), config);
  }

  /**
   * Builds the start broadcast and the stop agreement into {@code graph}, after the training graph
   * (the broadcast covers every variable present then).
   */
  public Prepared prepare(Graph graph) {
    VariableBroadcast broadcast = VariableBroadcast.build(graph, cluster.isChief(), cluster.size(),
        BROADCAST_GROUP_KEY, syncTimeoutSeconds);
    StopAgreement stop = StopAgreement.build(GraphContext.create(graph, Mode.TRAIN, 0),
        new CollectiveAllReduce(cluster.size(), SYNC_GROUP_KEY, syncTimeoutSeconds));
    return new Prepared(broadcast, stop);
  }

  /**
   * The one-line error of a TensorFlow failure while this worker was {@code doing} something
   * with the others (e.g. "step 5"): usually another worker stopped or cannot be reached.
   */
  public DelineoException failure(TensorFlowException e, String doing) {
    return new DelineoException("worker " + cluster.taskIndex() + " of " + cluster.size() + " failed at " + doing
        + ": " + WorkerFailure.firstLine(e.getMessage()) + " (another worker stopped, cannot be reached, or did not"
        + " arrive within the timeout: " + seconds(stepTimeoutSeconds) + " in a step, " + seconds(syncTimeoutSeconds)
        + " at the start and after evaluations); restart every worker, with --resume once worker 0 has written a"
        + " checkpoint", e);
  }

  private static String seconds(float s) {
    return s == Math.rint(s) ? (long) s + " s" : s + " s";
  }

  /** The start broadcast and stop agreement of one graph. */
  public final class Prepared {
    private final VariableBroadcast broadcast;
    private final StopAgreement stop;

    private Prepared(VariableBroadcast broadcast, StopAgreement stop) {
      this.broadcast = broadcast;
      this.stop = stop;
    }

    /**
     * Worker 0 sends its variables and {@code state}'s position; every worker returns the state
     * to start from: worker 0's own, the others' built from worker 0's step and position.
     *
     * @throws DelineoException when this worker's graph differs from worker 0's, or worker 0 does
     *     not arrive
     */
    public TrainingState startFromWorkerZero(Session session, TrainingState state) {
      long[] position = {state.getStep(), state.getEpoch(), state.getIndexInEpoch()};
      long[] received;
      try {
        received = broadcast.run(session, position, cluster.taskIndex());
      } catch (TensorFlowException e) {
        throw failure(e, "the start (receiving worker 0's variables)");
      }
      if (cluster.isChief()) {
        return state;
      }
      return TrainingState.newBuilder().setStep(received[0]).setEpoch(received[1])
          .setIndexInEpoch(received[2]).setScheduleStep(received[0]).build();
    }

    /** Whether worker 0 stops; {@code stop} is this worker's own decision (worker 0's counts). */
    public boolean agreeOnStop(Session session, boolean stop, long step) {
      try {
        return this.stop.run(session, cluster.isChief(), stop);
      } catch (TensorFlowException e) {
        throw failure(e, "step " + step + " (agreeing on whether to stop, after worker 0's evaluation and checkpoint)");
      }
    }
  }
}
