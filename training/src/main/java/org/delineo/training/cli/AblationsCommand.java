package org.delineo.training.cli;

import java.io.PrintStream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.delineo.training.wiring.Ablation;
import org.delineo.training.wiring.Ablations;

/** {@code delineo ablations}: the named ablations {@code --ablate} accepts. */
final class AblationsCommand implements Command {

  @Override
  public String name() {
    return "ablations";
  }

  @Override
  public String summary() {
    return "list the ablations --ablate accepts";
  }

  @Override
  public Options options() {
    return new Options();
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    for (Ablation a : Ablations.all()) {
      out.printf("%-20s %s%n", a.name(), a.description());
    }
    return 0;
  }
}
