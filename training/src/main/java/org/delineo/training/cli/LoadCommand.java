package org.delineo.training.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.serving.Predictor;
import org.delineo.serving.load.LoadPlan;
import org.delineo.serving.load.LoadReport;
import org.delineo.serving.load.LoadRun;
import org.delineo.serving.load.ModelCall;
import org.delineo.serving.load.RestModelCall;
import org.delineo.serving.rest.TfServingClient;

/**
 * {@code delineo load (--model DIR | --server URL --name NAME) [--requests N] [--threads T]
 * [--sizes HxW,...] [--json]}: a load test of an exported model, in this JVM or on TF Serving:
 * requests of mixed sizes from several threads, every answer checked (shape, classes, probabilities
 * summing to 1, labels their argmax); prints throughput, p50/p99 latency, wrong answers, errors
 * and resident memory after the warm-up and at the end. Exit status 1 when any answer was wrong
 * or any request failed. {@code bench} times training; this times serving.
 */
final class LoadCommand implements Command {
  /** Sizes for models whose spatial input is dynamic: mixed, non-square, not stride multiples. */
  private static final String DEFAULT_SIZES_2D = "64x64,96x80,48x112";
  private static final String DEFAULT_SIZES_3D = "32x32x32,24x40x32";

  @Override
  public String name() {
    return "load";
  }

  @Override
  public String summary() {
    return "load-test a model (--model or --server): N requests from T threads; throughput, p50/p99, wrong answers, memory";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("model").hasArg().argName("DIR").desc("SavedModel version directory, predicted in this JVM").build());
    o.addOption(Option.builder().longOpt("server").hasArg().argName("URL").desc("TF Serving REST base, e.g. http://host:8501").build());
    o.addOption(Option.builder().longOpt("name").hasArg().desc("model name on the server").build());
    o.addOption(Option.builder().longOpt("version").hasArg().argName("N").desc("model version on the server").build());
    o.addOption(Option.builder().longOpt("label").hasArg().desc("model version label on the server").build());
    o.addOption(Option.builder().longOpt("requests").hasArg().argName("N").desc("measured requests (default 1000)").build());
    o.addOption(Option.builder().longOpt("threads").hasArg().argName("T").desc("concurrent senders (default 8)").build());
    o.addOption(Option.builder().longOpt("warmup").hasArg().argName("W").desc("unmeasured first requests (default 32)").build());
    o.addOption(Option.builder().longOpt("sizes").hasArg().argName("HxW,...").desc("request sizes, round-robin: HxW or"
        + " DxHxW (default: the model's fixed size, else " + DEFAULT_SIZES_2D + " / " + DEFAULT_SIZES_3D
        + "); over REST they must suit the model, there is no sliding window").build());
    o.addOption(Option.builder().longOpt("channels").hasArg().argName("C").desc("input channels (default: the model's)").build());
    o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of the random inputs (default 1)").build());
    o.addOption(Option.builder().longOpt("json").desc("print one JSON object").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) throws Exception {
    if (line.hasOption("model") == line.hasOption("server")) {
      throw new DelineoException("give exactly one of --model DIR or --server URL --name NAME");
    }
    int requests = intOption(line, "requests", 1000);
    int threads = intOption(line, "threads", 8);
    int warmup = intOption(line, "warmup", 32);
    long seed = Long.parseLong(line.getOptionValue("seed", "1"));
    LoadReport report;
    if (line.hasOption("model")) {
      try (Predictor predictor = Predictor.load(Path.of(line.getOptionValue("model")))) {
        long[] spatial = predictor.contract().spatial();
        List<int[]> shapes = shapes(line, spatial, predictor.contract().channels(), "the model in " + line.getOptionValue("model"));
        report = run(new LoadPlan(requests, threads, warmup, shapes, seed, 0), predictor::predict);
      }
    } else {
      if (!line.hasOption("name")) {
        throw new DelineoException("--server needs --name, the model's name on the server");
      }
      TfServingClient.Builder b = TfServingClient.builder(line.getOptionValue("server"), line.getOptionValue("name"));
      if (line.hasOption("version")) {
        b.version(Long.parseLong(line.getOptionValue("version")));
      }
      if (line.hasOption("label")) {
        b.label(line.getOptionValue("label"));
      }
      TfServingClient client = b.build();
      RestModelCall call = RestModelCall.of(client);
      long[] image = call.imageShape();
      if (image == null || (image.length != 4 && image.length != 5)) {
        throw new DelineoException("model at " + client.modelUrl() + " signature '" + call.signature()
            + "': expected an input 'image' of rank 4 [-1, H, W, C] or 5 [-1, D, H, W, C], found "
            + (image == null ? "unknown rank" : Arrays.toString(image)));
      }
      List<int[]> shapes = shapes(line, Arrays.copyOfRange(image, 1, image.length - 1), image[image.length - 1],
          "model at " + client.modelUrl());
      report = run(new LoadPlan(requests, threads, warmup, shapes, seed, 0), call);
    }
    if (line.hasOption("json")) {
      out.println(report.json());
    } else {
      out.println(report.summary());
      report.failures().forEach(f -> out.println("  " + f));
    }
    return report.wrong() + report.errors() == 0 ? 0 : 1;
  }

  private static LoadReport run(LoadPlan plan, ModelCall call) {
    return new LoadRun(plan, call).run();
  }

  /** --sizes with the channels appended; by default the model's fixed size, else a mix of sizes. */
  private static List<int[]> shapes(CommandLine line, long[] spatial, long modelChannels, String model) {
    int channels;
    if (line.hasOption("channels")) {
      channels = intOption(line, "channels", 0);
    } else if (modelChannels > 0) {
      channels = (int) modelChannels;
    } else {
      throw new DelineoException("option --channels: " + model + " takes any channel count; expected --channels C");
    }
    String sizes = line.getOptionValue("sizes");
    if (sizes == null) {
      boolean fixed = Arrays.stream(spatial).allMatch(s -> s > 0);
      sizes = fixed ? String.join("x", Arrays.stream(spatial).mapToObj(Long::toString).toList())
          : spatial.length == 2 ? DEFAULT_SIZES_2D : DEFAULT_SIZES_3D;
    }
    List<int[]> shapes = LoadPlan.parseSizes(sizes, channels);
    if (shapes.get(0).length != spatial.length + 1) {
      throw new DelineoException("option --sizes '" + sizes + "': " + model + " takes " + spatial.length
          + "D inputs, expected " + (spatial.length == 2 ? "HxW" : "DxHxW") + " sizes");
    }
    return shapes;
  }

  private static int intOption(CommandLine line, String name, int fallback) {
    String text = line.getOptionValue(name);
    if (text == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new DelineoException("option --" + name + ": expected an integer, found '" + text + "'");
    }
  }
}
