package org.delineo.training.cli;

import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigValidator;
import org.delineo.training.config.ExperimentConfigLoader;

/** The {@code --config FILE} and repeated {@code --set field.path=value} options shared by commands. */
final class ConfigOptions {
  static final String CONFIG = "config";
  static final String SET = "set";

  private ConfigOptions() {}

  /** Adds the two options; {@code --config} is required when {@code required} is true. */
  static Options addTo(Options options, boolean required) {
    options.addOption(Option.builder().longOpt(CONFIG).hasArg().argName("FILE").required(required)
        .desc("experiment config in protobuf text format (configs/*.pbtxt)").build());
    options.addOption(Option.builder().longOpt(SET).hasArg().argName("field.path=value")
        .desc("override one config field; repeatable, applied in order (e.g. optimizer.lr=0.02)").build());
    return options;
  }

  /**
   * The config file with the overrides applied, range-checked ({@link ConfigValidator}) so that
   * every command taking {@code --config} rejects a bad value before doing anything, naming the
   * field as {@code --set} spells it.
   */
  static ExperimentConfig load(CommandLine line) {
    ExperimentConfig config = ExperimentConfigLoader.load(Path.of(line.getOptionValue(CONFIG)), overrides(line));
    ConfigValidator.validate(config);
    return config;
  }

  /**
   * A config a run or checkpoint stored, with the {@code --set} overrides applied and range-checked
   * as {@link #load} checks a file.
   */
  static ExperimentConfig loadOver(ExperimentConfig stored, CommandLine line) {
    ExperimentConfig config = ExperimentConfigLoader.applyOverrides(stored, overrides(line));
    ConfigValidator.validate(config);
    return config;
  }

  private static List<String> overrides(CommandLine line) {
    String[] sets = line.getOptionValues(SET);
    return sets == null ? List.of() : List.of(sets);
  }
}
