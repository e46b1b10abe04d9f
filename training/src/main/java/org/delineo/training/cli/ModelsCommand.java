package org.delineo.training.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.training.run.Json;
import org.delineo.training.wiring.Experiment;
import org.delineo.training.wiring.ModelFactory;

/**
 * {@code delineo models [--params] [--json]}: the registered model names, and with {@code --params}
 * their trainable parameter counts in the reference setup (graph construction only).
 */
final class ModelsCommand implements Command {

  @Override
  public String name() {
    return "models";
  }

  @Override
  public String summary() {
    return "list registered models; --params counts parameters, --json prints JSON";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("params").desc("build each model and count its parameters").build());
    o.addOption(Option.builder().longOpt("json").desc("print JSON").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    boolean params = line.hasOption("params");
    List<String> rows = new ArrayList<>();
    for (Map.Entry<String, ModelFactory> e : Experiment.registeredModels().entrySet()) {
      Long count = params ? e.getValue().referenceParameterCount() : null;
      if (line.hasOption("json")) {
        rows.add("{\"name\":" + Json.quote(e.getKey()) + ",\"summary\":" + Json.quote(e.getValue().summary())
            + (count == null ? "" : ",\"parameters\":" + count) + "}");
      } else {
        rows.add(String.format("%-18s %s%s", e.getKey(),
            count == null ? "" : String.format("%,14d params  ", count), e.getValue().summary()));
      }
    }
    out.println(line.hasOption("json") ? "[" + String.join(",", rows) + "]" : String.join("\n", rows));
    return 0;
  }
}
