package org.delineo.training.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.run.Json;
import org.delineo.training.wiring.Experiment;
import org.delineo.training.wiring.ModelFactory;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

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
      Long count = params ? parameterCount(e.getValue()) : null;
      if (line.hasOption("json")) {
        rows.add("{\"name\":" + Json.quote(e.getKey()) + ",\"summary\":" + Json.quote(e.getValue().summary())
            + (count == null ? "" : ",\"parameters\":" + count) + "}");
      } else {
        rows.add(String.format("%-12s %s%s", e.getKey(),
            count == null ? "" : String.format("%,14d params  ", count), e.getValue().summary()));
      }
    }
    out.println(line.hasOption("json") ? "[" + String.join(",", rows) + "]" : String.join("\n", rows));
    return 0;
  }

  /** Trainable parameters of the factory's reference setup. */
  static long parameterCount(ModelFactory factory) {
    ModelFactory.ReferenceSetup ref = factory.reference();
    long[] shape = new long[ref.inputShape().length + 1];
    shape[0] = -1;
    System.arraycopy(ref.inputShape(), 0, shape, 1, ref.inputShape().length);
    int channels = (int) shape[shape.length - 1];
    try (Graph g = new Graph()) {
      // TRAIN mode builds the auxiliary heads too, whose parameters the references count.
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      SegmentationModel model = factory.create(ref.config(), ref.numClasses(), channels);
      model.apply(ctx, ModelInputs.of(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)))));
      return ctx.variables().trainableParameterCount();
    }
  }
}
