package org.delineo.training.cli;

import java.util.List;

/** The commands the launcher offers, in the order {@code delineo --help} lists them. */
public final class Commands {
  private Commands() {}

  public static List<Command> all() {
    return List.of(new TrainCommand(), new EvalCommand(), new ExportCommand(), new DataCommand(),
        new PredictCommand(), new LossCommand(), new ModelsCommand(), new AblationsCommand(), new AblateCommand(), new BenchCommand(), new LoadCommand(), new QuickstartCommand(),
        new ConfigCommand(), new InfoCommand());
  }
}
