package org.delineo.training.cli;

import java.util.List;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.MetricsTable;
import org.delineo.training.train.CheckpointEvaluation;
import org.delineo.training.train.DatasetFactory;
import org.delineo.training.wiring.Experiment;

/** {@code delineo eval --config F --checkpoint D [--split val|test]}: metrics of a checkpoint. */
final class EvalCommand implements Command {

  @Override
  public String name() {
    return "eval";
  }

  @Override
  public String summary() {
    return "evaluate a checkpoint on a split and print the per-class IoU/Dice table";
  }

  @Override
  public Options options() {
    Options o = ConfigOptions.addTo(new Options(), true);
    o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("DIR").required()
        .desc("checkpoint directory (runs/<run>/checkpoints/ckpt-N)").build());
    o.addOption(Option.builder().longOpt("split").hasArg().desc("val (default) or test").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    ExperimentConfig config = ConfigOptions.load(line);
    Split split = split(line.getOptionValue("split", "val"));
    SegmentationDataset dataset = DatasetFactory.open(config.getData());
    ConfusionMatrix m = CheckpointEvaluation.run(Experiment.create(config, List.of()), dataset,
        Path.of(line.getOptionValue("checkpoint")), split);
    out.println(split.name().toLowerCase(Locale.ROOT) + " (" + dataset.ids(split).size() + " samples):");
    out.println(MetricsTable.format(m));
    return 0;
  }

  static Split split(String name) {
    try {
      return Split.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new DelineoException("--split: expected train, val or test, found '" + name + "'");
    }
  }
}
