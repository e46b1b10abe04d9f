package org.delineo.training.config;

import java.util.List;
import org.delineo.proto.ExperimentConfig;

/**
 * Decides whether a config given to a command that restores a checkpoint ({@code eval},
 * {@code export}) may replace the one the checkpoint recorded: it must agree in every field that
 * defines the restored graph, that is everything under {@code model} (the architecture, its
 * classes, channels and norm) except the initialisation fields {@code model.init_checkpoint*},
 * and the input normalisation baked in front of it ({@code data.layout}, {@code data.mean},
 * {@code data.std}). Everything else may differ: where the data are, how to evaluate, what to
 * export, how training was scheduled.
 *
 * <p>Unlike {@link ResumeConfigCheck}, which allows a short list and refuses the rest (a resume
 * continues training, so the data and the optimiser matter), this refuses a short list: evaluation
 * and export only run the graph.
 */
public final class ModelConfigCheck {
  /** Paths (a field, or a message and all below it) that define the restored graph. */
  static final List<String> GRAPH_FIELDS = List.of("model", "data.layout", "data.mean", "data.std");
  /** Fields under {@link #GRAPH_FIELDS} that only say how a fresh model was initialised. */
  static final List<String> INITIALISATION = List.of(
      "model.init_checkpoint", "model.init_checkpoint_modules", "model.init_checkpoint_strict");

  private ModelConfigCheck() {}

  /**
   * Compares the config a checkpoint recorded with the one a command would use; both are compared
   * with every default explicit, so leaving a field out equals writing its default.
   *
   * @param recordedFile where {@code recorded} was read from, named in the message
   * @throws ConfigException listing every difference in a field that defines the graph
   */
  public static void check(ExperimentConfig recorded, ExperimentConfig proposed, String recordedFile) {
    ExperimentConfig before = ExperimentConfigLoader.withExplicitDefaults(recorded);
    ExperimentConfig after = ExperimentConfigLoader.withExplicitDefaults(proposed);
    List<ConfigDiff.Change> refused = ConfigDiff.between(before, after).stream()
        .filter(c -> definesGraph(c.path())).toList();
    if (!refused.isEmpty()) {
      throw new ConfigException("the config differs from the checkpoint's " + recordedFile
          + " in fields that change the graph: " + ResumeConfigCheck.describe(refused, after)
          + " (expected the recorded values: the checkpoint's weights belong to that graph)");
    }
  }

  static boolean definesGraph(String path) {
    return ConfigDiff.isUnder(path, GRAPH_FIELDS) && !ConfigDiff.isUnder(path, INITIALISATION);
  }
}
