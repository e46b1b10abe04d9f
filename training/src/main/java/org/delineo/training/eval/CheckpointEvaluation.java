package org.delineo.training.eval;

import org.delineo.training.run.SessionFactory;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.data.pipeline.ModelDimensions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.metrics.PerClassVolumeMetrics;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.ModalityMaskTable;
import org.delineo.graph.Mode;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.wiring.Experiment;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/** Evaluates a checkpoint on a split in a fresh EVAL-only graph (no loss, no optimizer). */
public final class CheckpointEvaluation {
  private CheckpointEvaluation() {}

  /** Builds, in the fresh graph, what scores the restored checkpoint. */
  @FunctionalInterface
  private interface Scoring<T> {
    Function<Session, T> build(GraphContext ctx, InferenceGraph graph, SegmentationModel model, int classes);
  }

  /** The confusion matrix of the checkpoint's predictions on {@code split}. */
  public static ConfusionMatrix run(Experiment experiment, SegmentationDataset dataset, Path checkpoint, Split split) {
    return run(experiment, dataset, checkpoint, split, null);
  }

  /**
   * As {@link #run(Experiment, SegmentationDataset, Path, Split)}; where {@code checkpoint} is a
   * state dict, its load report goes to {@code report} (null: not printed).
   */
  public static ConfusionMatrix run(Experiment experiment, SegmentationDataset dataset, Path checkpoint, Split split,
      PrintStream report) {
    ExperimentConfig config = experiment.config();
    return score(experiment, dataset, checkpoint, report, (ctx, g, model, classes) -> {
      Evaluator evaluator = Evaluator.of(g, config, classes, model.requiredInputSize());
      return session -> evaluator.evaluate(session, dataset, dataset.ids(split));
    });
  }

  /**
   * The incomplete-modality table of a multi-modal model's checkpoint on {@code split}: every case
   * under each mask of {@code masks} (indexes into the 15 reference masks), sliding the window of
   * {@link Evaluator#slidingWindow}.
   */
  public static ModalityMaskTable modalityMasks(Experiment experiment, SegmentationDataset dataset, Path checkpoint,
      Split split, int[] masks, EmptyMaskRule rule) {
    ExperimentConfig config = experiment.config();
    return score(experiment, dataset, checkpoint, null, (ctx, g, model, classes) -> {
      ModalityMaskEvaluation evaluation = ModalityMaskEvaluation.of(g, config, model.requiredInputSize(), classes, rule);
      List<String> ids = dataset.ids(split);
      int max = config.getEval().getMaxCases();
      List<String> evaluated = max > 0 && ids.size() > max ? ids.subList(0, max) : ids;
      return session -> evaluation.evaluate(session, dataset, evaluated, masks);
    });
  }

  /** Per-volume Dice / HD95 / ASD / ASSD of a 2D model's checkpoint on the volumes of a sliced split. */
  public static PerClassVolumeMetrics volumes(Experiment experiment, SliceDataset dataset, Path checkpoint,
      Split split, EmptyMaskRule rule) {
    ExperimentConfig config = experiment.config();
    return score(experiment, dataset, checkpoint, null, (ctx, g, model, classes) -> {
      VolumeSliceEvaluation evaluation = new VolumeSliceEvaluation(
          Evaluator.of(g, config, classes, model.requiredInputSize()), classes, rule);
      return session -> evaluation.evaluate(session, dataset, dataset.ids(split));
    });
  }

  /**
   * Per-image Dice / HD95 / ASD / ASSD (pixel units) of a 2D model's checkpoint on a split of
   * independent 2D images (ISIC).
   */
  public static PerClassVolumeMetrics images(Experiment experiment, SegmentationDataset dataset, Path checkpoint,
      Split split, EmptyMaskRule rule) {
    ExperimentConfig config = experiment.config();
    return score(experiment, dataset, checkpoint, null, (ctx, g, model, classes) -> {
      ImageEvaluation evaluation = new ImageEvaluation(
          Evaluator.of(g, config, classes, model.requiredInputSize()), classes, rule);
      return session -> evaluation.evaluate(session, dataset, dataset.ids(split));
    });
  }

  /**
   * Builds the EVAL graph of {@code experiment}, lets {@code scoring} add to it, restores and scores;
   * {@code checkpoint} may also be a state dict file ({@link ModelWeights}), whose load report goes
   * to {@code report} unless that is null.
   */
  private static <T> T score(Experiment experiment, SegmentationDataset dataset, Path checkpoint, PrintStream report,
      Scoring<T> scoring) {
    ExperimentConfig config = experiment.config();
    int classes = ModelDimensions.numClasses(config, dataset);
    int channels = ModelDimensions.inChannels(config, dataset);
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, Mode.EVAL, config.getRuntime().getSeed());
      SegmentationModel model = experiment.model(classes, channels);
      InputNormalization normalization = InputNormalization.of(config.getData(), channels);
      int rank = dataset.is3d() ? 3 : 2;
      InferenceGraph g = InferenceGraph.build(ctx, model, normalization, rank, channels, "image");
      Function<Session, T> run = scoring.build(ctx, g, model, classes);
      try (Session session = SessionFactory.open(graph, config.getRuntime())) {
        ModelWeights.restore(session, graph, checkpoint, model, normalization, rank, channels, report);
        return run.apply(session);
      }
    }
  }
}
