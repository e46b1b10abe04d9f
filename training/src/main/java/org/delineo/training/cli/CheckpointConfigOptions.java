package org.delineo.training.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.ModelRecord;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.config.ModelConfigCheck;
import org.delineo.training.eval.ModelWeights;

/**
 * The config of a command that restores weights ({@code eval}, {@code export}): {@code --config FILE}
 * is optional, since a checkpoint carries the config it was trained with ({@link ModelRecord},
 * {@code <checkpoint>/config.pbtxt}). Without {@code --config} the stored config is used; with it,
 * the file must agree with the stored one in the fields that define the graph
 * ({@link ModelConfigCheck}). {@code --set} overrides apply to either, under the same check. A state
 * dict ({@code --weights}) and a checkpoint written before checkpoints carried their config need
 * {@code --config}.
 */
final class CheckpointConfigOptions {
  private CheckpointConfigOptions() {}

  /** Adds {@code --config} (optional) and {@code --set}. */
  static Options addTo(Options options) {
    ConfigOptions.addTo(options, false);
    options.getOption(ConfigOptions.CONFIG).setDescription("experiment config in protobuf text format"
        + " (default: the config stored with --checkpoint; when given, it must agree with the stored one"
        + " in model and input normalisation)");
    return options;
  }

  /**
   * The resolved config for restoring {@code weights} (from {@link WeightsOptions#source}),
   * range-checked as {@link ConfigOptions#load} checks a file.
   *
   * @throws ConfigException when {@code --config} is missing and {@code weights} stores no config,
   *     or the config differs from the stored one in a field that defines the graph
   */
  static ExperimentConfig load(CommandLine line, Path weights) {
    Optional<ModelRecord> record = ModelWeights.isStateDict(weights) ? Optional.empty() : ModelRecord.readFrom(weights);
    String storedFile = weights.resolve(ModelRecord.CONFIG_FILE).toString();
    Optional<ExperimentConfig> stored = record.map(r -> ExperimentConfigLoader.parse(r.configText(), storedFile));
    ExperimentConfig config;
    if (line.hasOption(ConfigOptions.CONFIG)) {
      config = ConfigOptions.load(line);
    } else if (stored.isPresent()) {
      config = ConfigOptions.loadOver(stored.get(), line);
    } else {
      throw new ConfigException(ModelWeights.isStateDict(weights)
          ? "state dict " + weights + " carries no experiment config: expected --config FILE"
          : "checkpoint " + weights + " has no stored config (" + storedFile + " is missing: it was written"
              + " before checkpoints carried their config): expected --config FILE");
    }
    stored.ifPresent(s -> ModelConfigCheck.check(s, config, storedFile));
    return config;
  }
}
