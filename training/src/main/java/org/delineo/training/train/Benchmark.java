package org.delineo.training.train;

import org.delineo.training.data.pipeline.ModelDimensions;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.run.TrainingConv2dOps;
import org.delineo.training.run.SessionFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.strategy.StepBatchSource;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.wiring.Experiment;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.RunMetadata;

/**
 * Times real training steps of an experiment (the trainer's graph, loader and session settings):
 * warm-up steps first (graph optimisation, allocation), then each measured step on its own.
 */
public final class Benchmark {
  private Benchmark() {}

  /**
   * Measured figures.
   *
   * @param stepMillis every measured step's wall time in ms
   * @param batchSize images per step
   * @param inputWaitFraction share of step time spent waiting for the loader
   * @param peakRssMb the process's peak resident memory (VmHWM), -1 where unavailable
   * @param timeline the per-op trace of one extra iteration after the measured ones (null when not
   *     asked for): tracing slows a step, so it is never one of the measured steps
   * @param peakTensors what holds memory at that traced iteration's peak (null without a trace)
   */
  public record Result(double[] stepMillis, int batchSize, double inputWaitFraction, double peakRssMb,
      OpTimeline timeline, PeakTensors peakTensors) {

    public double medianMillis() {
      double[] s = stepMillis.clone();
      Arrays.sort(s);
      int n = s.length;
      return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    public double imagesPerSecond() {
      return batchSize * 1000.0 / medianMillis();
    }
  }

  /**
   * Times {@code steps} iterations after {@code warmup} unmeasured ones; with {@code trace}, one
   * more iteration runs with a full per-op trace.
   */
  public static Result run(Experiment experiment, SegmentationDataset dataset, int steps, int warmup,
      boolean trace) {
    ExperimentConfig config = experiment.config();
    int channels = ModelDimensions.inChannels(config, dataset);
    SegmentationModel model = experiment.model(ModelDimensions.numClasses(config, dataset), channels);
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, config.getRuntime().getSeed(), model, experiment.strategy(),
          experiment.optimizer(), OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), channels), dataset.is3d() ? 3 : 2, channels,
          ConfiguredTowers.of(config), null, TrainingConv2dOps.of(config.getRuntime()));
      List<String> names = List.of();
      try (Session session = SessionFactory.open(graph, config.getRuntime());
          StepBatchSource loader = experiment.strategy().batches(
              Trainer.trainingData(config, dataset, model, channels), new LoaderPosition(0, 0))) {
        session.initialize();
        for (int i = 0; i < warmup; i++) {
          g.run(session, loader.next(), names);
        }
        loader.resetWaitStats();
        double[] millis = new double[steps];
        for (int i = 0; i < steps; i++) {
          long t0 = System.nanoTime();
          g.run(session, loader.next(), names);
          millis[i] = (System.nanoTime() - t0) / 1e6;
        }
        double waitFraction = loader.waitFraction();
        double peakRss = peakRssMb(); // before the traced step, whose bookkeeping is not the model's
        OpTimeline timeline = null;
        PeakTensors peakTensors = null;
        if (trace) {
          List<RunMetadata> runs = new ArrayList<>();
          g.runTraced(session, loader.next(), runs);
          timeline = OpTimeline.of(runs);
          peakTensors = PeakTensors.of(runs);
        }
        return new Result(millis, config.getData().getBatchSize(), waitFraction, peakRss, timeline, peakTensors);
      }
    }
  }

  /** VmHWM from /proc/self/status in MiB, or -1 off Linux. */
  static double peakRssMb() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmHWM:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
