package org.delineo.training.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.graph.gradients.CustomGradients;
import org.delineo.losses.HeadLosses;
import org.delineo.losses.WeightedTerm;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.proto.ScheduleConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ConfigOverride;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyReader;
import org.delineo.training.data.io.NpyWriter;
import org.delineo.training.run.Json;
import org.delineo.training.wiring.LossBuilder;
import org.delineo.training.wiring.LossTermFactory;
import org.delineo.training.wiring.LossesModule;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code delineo loss}: evaluates one loss term ({@code --name}, with {@code --param} settings) or a
 * whole head composition ({@code --head-config}) on arrays saved by NumPy, and optionally writes
 * d(loss)/d(logits), so a loss can be checked against another framework's.
 */
final class LossCommand implements Command {

  @Override
  public String name() {
    return "loss";
  }

  @Override
  public String summary() {
    return "evaluate a loss term on .npy logits/labels (value, optional gradient) to compare with other frameworks";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("name").hasArg().desc("loss term (see the error for valid names)").build());
    o.addOption(Option.builder().longOpt("param").hasArg().argName("k=v")
        .desc("a field of the term's config, e.g. gamma=2 or per_image=false (repeatable)").build());
    o.addOption(Option.builder().longOpt("head-config").hasArg().argName("FILE")
        .desc("a LossConfig in text format (terms, aux_loss, ohem...) evaluated on the decode head").build());
    o.addOption(Option.builder().longOpt("logits").hasArg().argName("X.npy").required().desc("float logits").build());
    o.addOption(Option.builder().longOpt("labels").hasArg().argName("Y.npy").required().desc("integer labels [N,H,W]").build());
    o.addOption(Option.builder().longOpt("layout").hasArg().desc("nhwc (default) or nchw for the logits").build());
    o.addOption(Option.builder().longOpt("weights").hasArg().argName("W.npy").desc("per-pixel weights [N,H,W]").build());
    o.addOption(Option.builder().longOpt("ignore-index").hasArg().argName("N").desc("ignored label (default 255)").build());
    o.addOption(Option.builder().longOpt("grad-out").hasArg().argName("G.npy")
        .desc("write d(loss)/d(logits) in the logits' layout").build());
    o.addOption(Option.builder().longOpt("json").desc("print JSON").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    boolean nchw = switch (line.getOptionValue("layout", "nhwc").toLowerCase(Locale.ROOT)) {
      case "nhwc" -> false;
      case "nchw" -> true;
      default -> throw new DelineoException("--layout: expected nhwc or nchw, found '" + line.getOptionValue("layout") + "'");
    };
    LossConfig lossConfig = LossConfig.newBuilder()
        .setIgnoreIndex(Integer.parseInt(line.getOptionValue("ignore-index", "255"))).build();
    HeadLosses losses;
    String label;
    if (line.hasOption("head-config")) {
      lossConfig = readLossConfig(Path.of(line.getOptionValue("head-config"))).toBuilder()
          .setIgnoreIndex(lossConfig.getIgnoreIndex()).build();
      losses = injector(lossConfig).getInstance(LossBuilder.class).build();
      label = "head " + line.getOptionValue("head-config");
    } else {
      if (!line.hasOption("name")) {
        throw new DelineoException("give --name TERM or --head-config FILE");
      }
      LossTermConfig term = term(line.getOptionValue("name"), line.getOptionValues("param"));
      Map<String, LossTermFactory> factories = injector(lossConfig)
          .getInstance(Key.get(new TypeLiteral<Map<String, LossTermFactory>>() {}));
      LossTermFactory factory = factories.get(line.getOptionValue("name"));
      if (factory == null) {
        throw new ConfigException("loss '" + line.getOptionValue("name") + "' is not available; valid losses: "
            + String.join(", ", factories.keySet()));
      }
      losses = new HeadLosses(List.of(new WeightedTerm("decode", "decode." + line.getOptionValue("name"),
          1f, factory.create(term, lossConfig))));
      label = line.getOptionValue("name");
    }
    NpyArray logits = NpyReader.read(Path.of(line.getOptionValue("logits")));
    NpyArray labels = NpyReader.read(Path.of(line.getOptionValue("labels")));
    NpyArray weights = line.hasOption("weights") ? NpyReader.read(Path.of(line.getOptionValue("weights"))) : null;
    Evaluation e = evaluate(losses, logits, labels, weights, nchw, line.hasOption("grad-out"));
    if (line.hasOption("grad-out")) {
      NpyWriter.write(Path.of(line.getOptionValue("grad-out")), NpyArray.ofFloats(e.gradient, logits.shape()));
    }
    if (line.hasOption("json")) {
      out.println("{\"loss\":" + Json.quote(label) + ",\"value\":" + e.value
          + (line.hasOption("grad-out") ? ",\"grad_out\":" + Json.quote(line.getOptionValue("grad-out")) : "") + "}");
    } else {
      out.println(label + " = " + e.value);
    }
    return 0;
  }

  private record Evaluation(float value, float[] gradient) {}

  private static Evaluation evaluate(HeadLosses losses, NpyArray logits, NpyArray labels, NpyArray weights,
      boolean nchw, boolean gradient) {
    int[] ls = logits.shape();
    if (ls.length != 4 && ls.length != 5) {
      throw new ShapeMismatchException("logits: expected rank 4 or 5, found shape " + Arrays.toString(ls));
    }
    int[] spatial = nchw ? Arrays.copyOfRange(ls, 2, ls.length) : Arrays.copyOfRange(ls, 1, ls.length - 1);
    int[] expectedLabels = new int[spatial.length + 1];
    expectedLabels[0] = ls[0];
    System.arraycopy(spatial, 0, expectedLabels, 1, spatial.length);
    if (!Arrays.equals(expectedLabels, labels.shape())) {
      throw new ShapeMismatchException("labels: expected shape " + Arrays.toString(expectedLabels)
          + " for logits " + Arrays.toString(ls) + (nchw ? " (nchw)" : " (nhwc)") + ", found " + Arrays.toString(labels.shape()));
    }
    if (weights != null && !Arrays.equals(expectedLabels, weights.shape())) {
      throw new ShapeMismatchException("weights: expected shape " + Arrays.toString(expectedLabels)
          + ", found " + Arrays.toString(weights.shape()));
    }
    CustomGradients.install();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape(ls)));
      Operand<TFloat32> nhwc = x;
      if (nchw) {
        int[] perm = new int[ls.length];
        perm[0] = 0;
        for (int i = 1; i < ls.length - 1; i++) {
          perm[i] = i + 1;
        }
        perm[ls.length - 1] = 1;
        nhwc = tf.linalg.transpose(x, tf.constant(perm));
      }
      Placeholder<TInt32> y = tf.placeholder(TInt32.class, Placeholder.shape(shape(labels.shape())));
      Operand<TFloat32> loss;
      Placeholder<TFloat32> w = null;
      if (weights == null) {
        loss = losses.build(tf, Map.of("decode", nhwc), y, null).get("loss");
      } else {
        w = tf.placeholder(TFloat32.class, Placeholder.shape(shape(weights.shape())));
        Operand<TFloat32> pixelWeights = w;
        HeadLosses weighted = new HeadLosses(losses.terms(), (t, l, lab) -> pixelWeights);
        loss = weighted.build(tf, Map.of("decode", nhwc), y, null).get("loss");
      }
      Output<?> grad = gradient ? g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()})[0] : null;
      try (Session s = new Session(g);
          TFloat32 xt = Tensors.floats(shape(ls), logits.floats());
          TInt32 yt = Tensors.ints(shape(labels.shape()), labels.ints());
          TFloat32 wt = weights == null ? null : Tensors.floats(shape(weights.shape()), weights.floats())) {
        Session.Runner runner = s.runner().feed(x, xt).feed(y, yt).fetch(loss);
        if (w != null) {
          runner.feed(w, wt);
        }
        if (grad != null) {
          runner.fetch(grad);
        }
        try (Result r = runner.run()) {
          return new Evaluation(((TFloat32) r.get(0)).getFloat(), grad == null ? null : Tensors.toFloats(r.get(1)));
        }
      }
    }
  }

  private static Shape shape(int[] dims) {
    return Shape.of(Arrays.stream(dims).asLongStream().toArray());
  }

  /** A term config with the oneof member {@code name} set and {@code params} applied to it. */
  private static LossTermConfig term(String name, String[] params) {
    FieldDescriptor field = LossTermConfig.getDescriptor().findFieldByName(name);
    if (field == null || field.getContainingOneof() == null) {
      List<String> valid = LossTermConfig.getDescriptor().getOneofs().get(0).getFields().stream()
          .map(FieldDescriptor::getName).toList();
      throw new ConfigException("unknown loss '" + name + "'; valid losses: " + String.join(", ", valid));
    }
    LossTermConfig.Builder b = LossTermConfig.newBuilder();
    b.setField(field, b.newBuilderForField(field).build());
    LossTermConfig config = b.build();
    for (String p : params == null ? new String[0] : params) {
      config = ConfigOverride.parse(name + "." + p).applyTo(config);
    }
    return config;
  }

  private static LossConfig readLossConfig(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new DelineoException(file + ": cannot read: " + e.getMessage(), e);
    }
    try {
      LossConfig.Builder b = LossConfig.newBuilder();
      TextFormat.getParser().merge(text, b);
      return b.build();
    } catch (TextFormat.ParseException e) {
      throw new ConfigException(file + ":" + e.getLine() + ":" + e.getColumn() + ": " + e.getMessage(), e);
    }
  }

  private static Injector injector(LossConfig config) {
    return Guice.createInjector(new LossesModule(), new AbstractModule() {
      @Override
      protected void configure() {
        bind(LossConfig.class).toInstance(config);
        bind(ScheduleConfig.class).toInstance(ScheduleConfig.getDefaultInstance());
      }
    });
  }
}
