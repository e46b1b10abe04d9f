package org.delineo.training.cli;

import java.io.PrintStream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.train.Benchmark;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.wiring.Experiment;

/**
 * {@code delineo bench --config F --steps N [--warmup W] [--json]}: median training-step time,
 * images/s, input-wait fraction and peak resident memory of an experiment.
 */
final class BenchCommand implements Command {

  @Override
  public String name() {
    return "bench";
  }

  @Override
  public String summary() {
    return "time training steps: median step, images/s, input-wait fraction, peak memory";
  }

  @Override
  public Options options() {
    Options o = ConfigOptions.addTo(new Options(), true);
    o.addOption(Option.builder().longOpt("steps").hasArg().argName("N").desc("measured steps (default 20)").build());
    o.addOption(Option.builder().longOpt("warmup").hasArg().argName("W").desc("unmeasured first steps (default 3)").build());
    o.addOption(Option.builder().longOpt("ablate").hasArg().argName("a,b").desc("apply named ablations").build());
    o.addOption(Option.builder().longOpt("json").desc("print one JSON object").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    ExperimentConfig config = ConfigOptions.load(line);
    int steps = Integer.parseInt(line.getOptionValue("steps", "20"));
    int warmup = Integer.parseInt(line.getOptionValue("warmup", "3"));
    Benchmark.Result r = Benchmark.run(Experiment.create(config, TrainCommand.ablations(line)),
        DatasetFactory.open(config.getData()), steps, warmup);
    if (line.hasOption("json")) {
      out.printf("{\"steps\":%d,\"median_step_ms\":%.3f,\"images_per_second\":%.3f,"
              + "\"input_wait_fraction\":%.4f,\"peak_rss_mb\":%.1f}%n",
          steps, r.medianMillis(), r.imagesPerSecond(), r.inputWaitFraction(), r.peakRssMb());
    } else {
      out.printf("median step %.1f ms over %d steps (batch %d): %.1f images/s; input wait %.1f%%;"
              + " peak RSS %.0f MiB%n",
          r.medianMillis(), steps, r.batchSize(), r.imagesPerSecond(), 100 * r.inputWaitFraction(), r.peakRssMb());
    }
    return 0;
  }
}
