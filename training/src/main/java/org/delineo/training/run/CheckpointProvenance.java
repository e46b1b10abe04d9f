package org.delineo.training.run;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.TrainingState;
import org.delineo.serving.ModelRecord;
import org.delineo.training.config.ExperimentConfigLoader;

/**
 * What each checkpoint of a training run records about itself (Tribuo's model provenance is the
 * anchor: what the model is, the data, the code version, when): the resolved config as
 * {@code config.pbtxt} and, as {@code provenance.json}, the model, its classes and channels, the
 * checkpoint's step and save time, the run directory, the data and the training process's
 * {@link Provenance}. A checkpoint thereby suffices to evaluate or export it.
 */
public final class CheckpointProvenance {
  /** Provenance key: the registered model name (e.g. {@code unet}). */
  public static final String MODEL = "model";
  /** Provenance key: the global step the checkpoint was saved at. */
  public static final String CHECKPOINT_STEP = "checkpoint_step";

  private final ExperimentConfig config;
  /** The config with every default explicit, as the run's config.pbtxt records it. */
  private final String configText;
  private final String model;
  private final int numClasses;
  private final int inChannels;
  private final Path runDir;
  private final Provenance training;

  private CheckpointProvenance(ExperimentConfig config, String model, int numClasses, int inChannels, Path runDir,
      Provenance training) {
    this.config = config;
    this.configText = ExperimentConfigLoader.toText(ExperimentConfigLoader.withExplicitDefaults(config));
    this.model = model;
    this.numClasses = numClasses;
    this.inChannels = inChannels;
    this.runDir = runDir;
    this.training = training;
  }

  /**
   * The records of the checkpoints this process writes while training {@code config} (resolved)
   * with the named ablations; the process's provenance is collected now.
   *
   * @param model the registered model name
   * @param runDir the run directory the checkpoints belong to
   */
  public static CheckpointProvenance collect(ExperimentConfig config, String model, List<String> ablations,
      int numClasses, int inChannels, Path runDir) {
    return new CheckpointProvenance(config, model, numClasses, inChannels, runDir.toAbsolutePath(),
        Provenance.of(config, ablations));
  }

  /** The record of the checkpoint saved with {@code state} (its step and wall time). */
  public ModelRecord record(TrainingState state) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put(MODEL, model);
    json.put("num_classes", numClasses);
    json.put("in_channels", inChannels);
    json.put(CHECKPOINT_STEP, state.getStep());
    json.put("checkpoint_saved_at", Instant.ofEpochMilli(Math.round(state.getWallTime() * 1000)).toString());
    json.put("run_dir", runDir.toString());
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("layout", config.getData().getLayout().name());
    data.put("root", config.getData().getRoot());
    json.put("data", data);
    json.put("training", training.toMap());
    return new ModelRecord(configText, Json.writePretty(json));
  }
}
