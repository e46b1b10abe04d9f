package org.delineo.training.train;

import org.delineo.training.eval.Validation;
import org.delineo.training.data.pipeline.ModelDimensions;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.run.TrainingConv2dOps;
import org.delineo.training.run.SessionFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.delineo.graph.DelineoException;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.CheckpointConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.TrainingState;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.checkpoint.InitCheckpoint;
import org.delineo.training.strategy.StepBatch;
import org.delineo.training.strategy.StepBatchSource;
import org.delineo.training.strategy.TrainingData;
import org.delineo.training.data.pipeline.DataShard;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.distribute.WorkerGroup;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.EarlyStopping;
import org.delineo.training.metrics.MetricsLog;
import org.delineo.training.metrics.MetricsTable;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.run.CheckpointProvenance;
import org.delineo.training.run.EventFileWriter;
import org.delineo.training.run.LossGuard;
import org.delineo.training.run.NonFiniteLossException;
import org.delineo.training.run.ProgressDisplay;
import org.delineo.training.run.RunDirectory;
import org.delineo.training.wiring.Experiment;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * Runs a training experiment: one {@code Session.run} per step (per strategy run), evaluation and an
 * atomic checkpoint every {@code eval.interval_steps}, early stopping, TensorBoard scalars and
 * {@code metrics.jsonl}. A resumed run restores weights, optimizer state, global step, data order
 * and early-stopping state and then continues exactly as an uninterrupted run would.
 *
 * <p>In a group of worker processes ({@link #inWorkerGroup}) every worker trains on its share of
 * each batch with gradients averaged over the workers; worker 0 alone initialises or restores,
 * evaluates and writes to the run directory, the others start from worker 0's variables and
 * position and write nothing.
 */
public final class Trainer {
  private final Experiment experiment;
  private final SegmentationDataset dataset;
  private final RunDirectory run;
  private final PrintStream out;
  private Consumer<TrainingState> beforeFirstStep = state -> {};
  /** The worker processes this one trains with, or null for a single process. */
  private WorkerGroup workers;

  /**
   * What a run ended with.
   *
   * @param steps the global step reached
   * @param metrics the last evaluation's metrics (percent, mmseg convention), empty if none ran
   * @param bestCheckpoint the best checkpoint by the monitored metric, if any
   * @param latestCheckpoint the last checkpoint written, if any
   * @param stopReason why training ended before {@code total_steps}, or empty
   * @param lastLoss the training loss of the last finite step of this invocation, NaN if none ran
   * @param nonFiniteLoss whether training stopped on a NaN or infinite loss
   */
  public record Outcome(long steps, Map<String, Double> metrics, Optional<Path> bestCheckpoint,
      Optional<Path> latestCheckpoint, String stopReason, double lastLoss, boolean nonFiniteLoss) {}

  public Trainer(Experiment experiment, SegmentationDataset dataset, RunDirectory run, PrintStream out) {
    this.experiment = experiment;
    this.dataset = dataset;
    this.run = run;
    this.out = out;
  }

  /**
   * Makes this trainer one worker of {@code group}; the run directory is then written only by
   * worker 0, and only worker 0 needs its checkpoint to resume.
   *
   * @return this trainer
   */
  public Trainer inWorkerGroup(WorkerGroup group) {
    this.workers = group;
    return this;
  }

  /** Trains from scratch, or from the latest checkpoint of this run when {@code resume}. */
  public Outcome train(boolean resume) {
    return train(resume, 0);
  }

  /**
   * As {@link #train(boolean)}, but stops after global step {@code stopAtStep} (when positive)
   * without changing the schedule: an interruption, as a crash or a pre-empted job would cause.
   *
   * <p>Order of a resume: the latest checkpoint is found (an error, before anything is built,
   * when there is none), the graph is built and restored, and only then does the run's folder
   * change: the {@link #beforeFirstStep} action runs, {@code metrics.jsonl} is cut back to the
   * restored step, and a new event file starts with TensorBoard's restart marker.
   *
   * @throws DelineoException when {@code resume} and the run has no complete checkpoint
   */
  public Outcome train(boolean resume, long stopAtStep) {
    ExperimentConfig config = experiment.config();
    boolean writes = workers == null || workers.writesRun();
    Optional<Path> latest = resume && writes ? Optional.of(resumePoint(run)) : Optional.empty();
    int numClasses = ModelDimensions.numClasses(config, dataset);
    int channels = ModelDimensions.inChannels(config, dataset);
    long seed = config.getRuntime().getSeed();
    SegmentationModel model = experiment.model(numClasses, channels);
    CheckpointConfig ckptConfig = config.getCheckpoint();
    CheckpointManager checkpoints = null;
    if (writes) {
      checkpoints = CheckpointManager.fromConfig(run.checkpoints(), ckptConfig);
      // Each checkpoint carries its config and provenance, so eval and export need nothing else.
      checkpoints.recordWith(CheckpointProvenance.collect(config, experiment.modelName(), experiment.ablations(),
          numClasses, channels, run.path())::record);
    }
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, seed, model, experiment.strategy(),
          workers == null ? experiment.optimizer() : workers.meanOverWorkers(experiment.optimizer()),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), channels), dataset.is3d() ? 3 : 2, channels,
          ConfiguredTowers.of(config), workers == null ? null : workers.replica(config),
          TrainingConv2dOps.of(config.getRuntime()));
      WorkerGroup.Prepared group = null;
      if (workers != null) {
        g = g.withStep(step -> workers.meanScalars(graph, step));
        group = workers.prepare(graph);
      }
      try (Session session = openSession(graph, config)) {
        TrainingState state = TrainingState.getDefaultInstance();
        if (latest.isPresent()) {
          state = checkpoints.restore(session, latest.get());
          out.println("resumed from " + latest.get() + " at step " + state.getStep());
        } else {
          session.initialize();
          if (writes) {
            InitCheckpoint.apply(session, graph, config.getModel(), out);
          }
        }
        if (group != null) {
          state = group.startFromWorkerZero(session, state);
          out.println("worker " + workers.cluster().taskIndex() + " of " + workers.cluster().size()
              + ": starting at step " + state.getStep() + " with worker 0's variables"
              + (writes ? "" : "; worker 0 writes the run directory"));
        }
        TrainingData data = trainingData(config, dataset, model, channels, workers);
        if (!writes) {
          return loop(session, g, data, null, null, state, numClasses, model, stopAtStep, group);
        }
        beforeFirstStep.accept(state);
        try (EventFileWriter events = new EventFileWriter(run.events())) {
          // Also for a fresh run (step 0): a folder left by a run killed before its first checkpoint
          // may hold records of steps this run trains again.
          cutRecordsBackTo(state.getStep(), events);
          return loop(session, g, data, checkpoints, events, state, numClasses, model, stopAtStep, group);
        }
      }
    }
  }

  /** A session of the run's runtime, on this worker's server in a worker group. */
  private Session openSession(Graph graph, ExperimentConfig config) {
    if (workers == null) {
      return SessionFactory.open(graph, config.getRuntime());
    }
    SessionFactory.requireEnvironment(config.getRuntime());
    return workers.open(graph, SessionFactory.sessionConfig(config.getRuntime()));
  }

  /**
   * Sets what runs once the session is initialised or restored, just before the first step (by
   * then a resume has restored its checkpoint): the place to record the run's config.
   *
   * @param action receives the starting state (the restored one, or the default for a fresh run)
   * @return this trainer
   */
  public Trainer beforeFirstStep(Consumer<TrainingState> action) {
    this.beforeFirstStep = action;
    return this;
  }

  /**
   * The checkpoint a resume of {@code run} starts from, found without changing anything.
   *
   * @throws DelineoException when the run holds no complete checkpoint
   */
  public static Path resumePoint(RunDirectory run) {
    return CheckpointManager.latestIn(run.checkpoints()).orElseThrow(() -> new DelineoException(
        "no checkpoint in " + run.checkpoints() + " to resume from; run without --resume to start a fresh run"));
  }

  /**
   * Forgets what the run recorded after the restored step (evaluations and scalars of steps that
   * will be trained again), so each step is recorded once.
   */
  private void cutRecordsBackTo(long restoredStep, EventFileWriter events) {
    int removed = new MetricsLog(run.metricsFile()).retainUpTo(restoredStep);
    if (removed > 0) {
      out.println("removed " + removed + " line(s) after step " + restoredStep + " from " + run.metricsFile());
    }
    events.sessionStart(restoredStep + 1);
  }

  /** What the strategy draws its batches from, with modality masks when the model takes them. */
  static TrainingData trainingData(ExperimentConfig config, SegmentationDataset dataset, SegmentationModel model,
      int channels) {
    return trainingData(config, dataset, model, channels, null);
  }

  /** As above, this worker's share of every batch in a worker group ({@code workers} non-null). */
  private static TrainingData trainingData(ExperimentConfig config, SegmentationDataset dataset,
      SegmentationModel model, int channels, WorkerGroup workers) {
    return new TrainingData(config, dataset,
        model.takesModalityMask() ? ModalityMasking.source(config, dataset, channels) : null,
        workers == null ? DataShard.WHOLE : workers.shard());
  }

  /**
   * The steps. {@code checkpoints} and {@code events} are null in a worker that does not write
   * (it neither evaluates nor checkpoints); {@code group} is null for a single process.
   */
  private Outcome loop(Session session, TrainingGraph g, TrainingData data, CheckpointManager checkpoints,
      EventFileWriter events, TrainingState start, int numClasses, SegmentationModel model, long stopAtStep,
      WorkerGroup.Prepared group) {
    boolean writes = checkpoints != null;
    ExperimentConfig config = experiment.config();
    long total = config.getSchedule().getTotalSteps();
    long end = stopAtStep > 0 ? Math.min(stopAtStep, total) : total;
    int evalInterval = Math.max(1, config.getEval().getIntervalSteps());
    int ckptInterval = config.getCheckpoint().getIntervalSteps();
    int logInterval = Math.max(1, config.getRuntime().getLogIntervalSteps());
    EarlyStopping early = config.getEarlyStopping().getEnabled()
        ? EarlyStopping.fromConfig(config.getEarlyStopping()) : null;
    if (early != null && start.getStep() > 0) {
      early.restoreFrom(start);
    }
    String monitor = config.getCheckpoint().getMonitor();
    Validation validation = writes ? Validation.of(g.eval(), config, model, numClasses) : null;
    MetricsLog metricsLog = writes ? new MetricsLog(run.metricsFile()) : null;
    List<String> classNames = classNames(numClasses);
    ProgressDisplay progress = ProgressDisplay.forStream(out, total, logInterval);
    Map<String, Double> lastMetrics = Map.of();
    String stopReason = "";
    boolean nonFinite = false;
    long step = start.getStep();
    double lastLoss = Double.NaN;
    long began = System.nanoTime();
    try (StepBatchSource loader = experiment.strategy().batches(data,
        new LoaderPosition((int) start.getEpoch(), (int) start.getIndexInEpoch()))) {
      List<String> fetchNames = new ArrayList<>(g.scalars().keySet());
      fetchNames.remove("loss"); // fetched once as the step loss
      while (step < end) {
        StepBatch batch = loader.next();
        float[] values;
        try {
          values = runStep(session, g, batch, fetchNames, step + 1);
        } catch (DelineoException e) {
          // End a redrawn progress line, so the CLI's error line stands on its own.
          progress.finish();
          throw e;
        }
        double loss = values[0];
        double lr = values[values.length - 1];
        try {
          // Numbered as the progress line numbers it: the step that just ran is step + 1.
          LossGuard.check(step + 1, loss);
        } catch (NonFiniteLossException e) {
          nonFinite = true;
          stopReason = e.getMessage() + "; the last good checkpoint is "
              + (writes ? checkpoints.latest().map(Path::toString).orElse("(none written yet)") : "worker 0's");
          progress.stoppedAt(step + 1, loss, lr);
          progress.finish();
          out.println("stopped: " + stopReason);
          break;
        }
        lastLoss = loss;
        step++;
        progress.update(step, loss, lr);
        if (events != null && step % logInterval == 0) {
          for (int i = 0; i < fetchNames.size(); i++) {
            events.scalar("train/" + fetchNames.get(i), step, values[i + 1]);
          }
          events.scalar("train/lr", step, lr);
          events.scalar("train/input_wait_fraction", step, loader.waitFraction());
        }
        boolean evaluationStep = step % evalInterval == 0 || step == total;
        boolean checkpointStep = evaluationStep || (ckptInterval > 0 && step % ckptInterval == 0);
        // Only a writing process evaluates: the others learn from the stop agreement below.
        boolean evaluate = writes && evaluationStep;
        boolean stop = false;
        Double monitored = null;
        if (evaluate) {
          Validation.Result validated = validation.run(session, dataset, evalIds());
          ConfusionMatrix matrix = validated.matrix();
          lastMetrics = validated.metrics("val");
          progress.message("step " + step + ": val mIoU " + fmt(lastMetrics.get("val/mIoU"))
              + "%, mDice " + fmt(lastMetrics.get("val/mDice")) + "%, aAcc " + fmt(lastMetrics.get("val/aAcc")) + "%");
          progress.message(MetricsTable.format(matrix, classNames));
          if (validated.masks() != null) {
            progress.message(validated.describeMasks());
          }
          Map<String, Double> extra = new LinkedHashMap<>(validated.maskMetrics("val"));
          extra.put("train/loss", loss);
          extra.put("train/lr", lr);
          extra.put("train/input_wait_fraction", loader.waitFraction());
          metricsLog.appendEvaluation(step, "val", matrix, classNames, extra);
          long at = step;
          lastMetrics.forEach((k, v) -> events.scalar(k, at, v));
          events.flush();
          monitored = lastMetrics.get(monitor);
          if (early != null) {
            EarlyStopping.Decision d = early.update(lastMetrics);
            if (d.stop()) {
              stop = true;
              stopReason = d.message();
            }
          }
        }
        if (writes && checkpointStep) {
          TrainingState.Builder state = TrainingState.newBuilder()
              .setStep(step)
              .setEpoch(loader.position().epoch())
              .setIndexInEpoch(loader.position().batch())
              .setSeed(config.getRuntime().getSeed())
              .setScheduleStep(step)
              .setLastLoss(loss)
              .setElapsedSeconds((System.nanoTime() - began) / 1e9);
          if (early != null) {
            early.writeTo(state);
          }
          try {
            checkpoints.save(session, state.build(), monitored);
          } catch (DelineoException e) {
            // End a redrawn progress line, so the CLI's error line stands on its own.
            progress.finish();
            throw e;
          }
        }
        if (group != null && checkpointStep && agreeOnStop(group, session, stop, step, progress) && !stop) {
          stop = true;
          stopReason = "worker 0 stopped early";
        }
        if (stop) {
          progress.message("early stopping at step " + step + ": " + stopReason);
          break;
        }
      }
      progress.finish();
      out.printf("input wait: %.1f%% of step time%n", 100 * loader.waitFraction());
    }
    return new Outcome(step, lastMetrics, writes ? checkpoints.best() : Optional.empty(),
        writes ? checkpoints.latest() : Optional.empty(), stopReason, lastLoss, nonFinite);
  }

  /** Whether worker 0 stops after {@code step}; ends the progress line before a failure is reported. */
  private static boolean agreeOnStop(WorkerGroup.Prepared group, Session session, boolean stop, long step,
      ProgressDisplay progress) {
    try {
      return group.agreeOnStop(session, stop, step);
    } catch (DelineoException e) {
      progress.finish();
      throw e;
    }
  }

  /** One training iteration; in a worker group a TensorFlow failure is another worker's, reported so. */
  private float[] runStep(Session session, TrainingGraph g, StepBatch batch, List<String> fetchNames, long step) {
    if (workers == null) {
      return g.run(session, batch, fetchNames);
    }
    try {
      return g.run(session, batch, fetchNames);
    } catch (TensorFlowException e) {
      throw workers.failure(e, "step " + step);
    }
  }

  private List<String> evalIds() {
    List<String> ids = dataset.ids(Split.VAL);
    int max = experiment.config().getEval().getMaxCases();
    return max > 0 && ids.size() > max ? ids.subList(0, max) : ids;
  }

  private static List<String> classNames(int k) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      names.add("class " + i);
    }
    return names;
  }

  private static String fmt(Double v) {
    return v == null ? "n/a" : String.format("%.2f", v);
  }


}
