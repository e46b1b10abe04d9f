package org.delineo.training.cli;

import java.io.PrintStream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.delineo.training.config.ExperimentConfigLoader;

/**
 * {@code delineo config --config F [--set a.b=v]...}: validates an experiment file and prints the
 * resolved config (overrides applied, every default made explicit) exactly as a run records it.
 */
final class ConfigCommand implements Command {

  @Override
  public String name() {
    return "config";
  }

  @Override
  public String summary() {
    return "validate an experiment config and print it resolved (overrides applied)";
  }

  @Override
  public Options options() {
    return ConfigOptions.addTo(new Options(), true);
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    out.print(ExperimentConfigLoader.toText(ExperimentConfigLoader.withExplicitDefaults(ConfigOptions.load(line))));
    return 0;
  }
}
