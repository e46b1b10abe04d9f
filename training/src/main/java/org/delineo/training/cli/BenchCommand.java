package org.delineo.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.proto.ExperimentConfig;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;
import org.delineo.training.config.ConfigException;
import org.delineo.training.run.Json;
import org.delineo.training.train.Benchmark;
import org.delineo.training.train.OpTimeline;
import org.delineo.training.train.PeakTensors;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.wiring.Experiment;

/**
 * {@code delineo bench --config F --steps N [--warmup W] [--trace FILE] [--json]}: median
 * training-step time, images/s, input-wait fraction and peak resident memory of an experiment;
 * with {@code --trace}, one more traced iteration whose per-op timeline goes to FILE as Chrome
 * trace JSON and whose op types with the most time are printed, with the tensors that hold its
 * memory peak ({@link PeakTensors}).
 */
final class BenchCommand implements Command {
  private static final int TOP_OPS = 15;
  private static final int TOP_HOLDERS = 12;
  private static final double MIB = 1024.0 * 1024.0;

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
    o.addOption(Option.builder().longOpt("trace").hasArg().argName("FILE").desc("after the measured steps, trace one"
        + " more with RunOptions FULL_TRACE: write its per-op timeline to FILE (Chrome trace JSON, for"
        + " chrome://tracing or Perfetto) and print the " + TOP_OPS + " op types with the most time").build());
    o.addOption(Option.builder().longOpt("json").desc("print one JSON object").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    ExperimentConfig config = ConfigOptions.load(line);
    int steps = Integer.parseInt(line.getOptionValue("steps", "20"));
    int warmup = Integer.parseInt(line.getOptionValue("warmup", "3"));
    Path trace = line.hasOption("trace") ? Path.of(line.getOptionValue("trace")).toAbsolutePath() : null;
    if (trace != null && !Files.isDirectory(trace.getParent())) {
      throw new ConfigException("--trace " + line.getOptionValue("trace") + ": folder " + trace.getParent()
          + " does not exist");
    }
    Benchmark.Result r = Benchmark.run(Experiment.create(config, TrainCommand.ablations(line)),
        DatasetFactory.open(config.getData()), steps, warmup, trace != null);
    List<OpTimeline.OpTime> top = trace == null ? List.of() : r.timeline().topOps(TOP_OPS);
    if (trace != null) {
      try {
        SafeFiles.durable().writeString(trace, r.timeline().chromeTraceJson());
      } catch (IOException e) {
        throw new DelineoException("cannot write trace " + trace + ": " + e.getMessage(), e);
      }
    }
    if (line.hasOption("json")) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("steps", steps);
      doc.put("median_step_ms", r.medianMillis());
      doc.put("images_per_second", r.imagesPerSecond());
      doc.put("input_wait_fraction", r.inputWaitFraction());
      doc.put("peak_rss_mb", r.peakRssMb());
      if (trace != null) {
        doc.put("top_ops", top.stream().map(t -> Map.of("op", t.type(), "count", t.count(),
            "total_ms", t.totalMillis(), "share", t.share())).toList());
        PeakTensors p = r.peakTensors();
        doc.put("allocator_peak_mb", p.allocatorPeakBytes() / MIB);
        doc.put("peak_step_tensors_mb", p.peakBytes() / MIB);
        doc.put("peak_holders", p.top(TOP_HOLDERS).stream().map(h -> Map.of("producer", h.producer(),
            "later_readers", h.laterReaders(), "mb", h.bytes() / MIB, "tensors", h.tensors())).toList());
      }
      out.println(Json.write(doc));
    } else {
      out.printf("median step %.1f ms over %d steps (batch %d): %.1f images/s; input wait %.1f%%;"
              + " peak RSS %.0f MiB%n",
          r.medianMillis(), steps, r.batchSize(), r.imagesPerSecond(), 100 * r.inputWaitFraction(), r.peakRssMb());
      if (trace != null) {
        out.printf("traced one more step: %d ops, timeline in %s; op types by summed time (threads overlap):%n",
            r.timeline().events().size(), trace);
        for (OpTimeline.OpTime t : top) {
          out.printf("  %-40s %6d x %10.1f ms %5.1f%%%n", t.type(), t.count(), t.totalMillis(), 100 * t.share());
        }
        PeakTensors p = r.peakTensors();
        out.printf("memory of the traced step: allocator peak %.0f MiB (with variables and slots); step tensors"
            + " peak at %.0f MiB, %.0f ms in; alive then, by the op that made them <- the ops still to read them:%n",
            p.allocatorPeakBytes() / MIB, p.peakBytes() / MIB, p.peakMillis());
        for (PeakTensors.Holder h : p.top(TOP_HOLDERS)) {
          out.printf("  %-70s %9.1f MiB %5d tensors%n", h.producer() + " <- " + h.laterReaders(), h.bytes() / MIB,
              h.tensors());
        }
      }
    }
    return 0;
  }
}
