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
 * their trainable parameter counts in the reference setup (graph construction only), in text also
 * split by top-level module (backbone, decode head, auxiliary head).
 */
final class ModelsCommand implements Command {

  @Override
  public String name() {
    return "models";
  }

  @Override
  public String summary() {
    return "list registered models and backbones; --params counts parameters, --json prints the models as JSON";
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
      Map<String, Long> byModule = params ? e.getValue().referenceParameterCounts() : null;
      Long count = params ? byModule.values().stream().mapToLong(Long::longValue).sum() : null;
      if (line.hasOption("json")) {
        rows.add("{\"name\":" + Json.quote(e.getKey()) + ",\"summary\":" + Json.quote(e.getValue().summary())
            + (count == null ? "" : ",\"parameters\":" + count) + "}");
      } else {
        rows.add(String.format("%-18s %s%s%s", e.getKey(),
            count == null ? "" : String.format("%,14d params  ", count), e.getValue().summary(),
            byModule == null || byModule.size() < 2 ? "" : "; " + modules(byModule)));
      }
    }
    if (line.hasOption("json")) {
      out.println("[" + String.join(",", rows) + "]");
    } else {
      out.println(String.join("\n", rows));
      // The scene families' heads run on any of these, chosen by the family's backbone block.
      out.println("backbones (model.<family>.backbone { <name> {} }): "
          + String.join(", ", Experiment.registeredBackbones()));
    }
    return 0;
  }

  /** "backbone 26,277,824 + decode_head 1,291,283": the columns of mmseg's counts. */
  private static String modules(Map<String, Long> byModule) {
    List<String> parts = new ArrayList<>();
    byModule.forEach((module, n) -> parts.add(String.format("%s %,d", module, n)));
    return String.join(" + ", parts);
  }
}
