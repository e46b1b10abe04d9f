package org.delineo.training.train;

import java.nio.file.Path;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.wiring.Experiment;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/** Evaluates a checkpoint on a split in a fresh EVAL-only graph (no loss, no optimizer). */
public final class CheckpointEvaluation {
  private CheckpointEvaluation() {}

  /** The confusion matrix of the checkpoint's predictions on {@code split}. */
  public static ConfusionMatrix run(Experiment experiment, SegmentationDataset dataset, Path checkpoint, Split split) {
    ExperimentConfig config = experiment.config();
    int classes = Trainer.numClasses(config, dataset);
    int channels = Trainer.inChannels(config, dataset);
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, Mode.EVAL, config.getRuntime().getSeed());
      InferenceGraph g = InferenceGraph.build(ctx, experiment.model(classes, channels),
          InputNormalization.of(config.getData(), channels), dataset.is3d() ? 3 : 2, channels, "image");
      try (Session session = SessionFactory.open(graph, config.getRuntime())) {
        CheckpointManager.restoreCheckpoint(session, checkpoint);
        return Evaluator.of(g, config, classes).evaluate(session, dataset, dataset.ids(split));
      }
    }
  }
}
