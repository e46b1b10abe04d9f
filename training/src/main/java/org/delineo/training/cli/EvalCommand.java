package org.delineo.training.cli;

import org.delineo.training.data.pipeline.ModelDimensions;
import java.util.List;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.IsicLayout;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.ModalityMaskTable;
import org.delineo.training.metrics.MetricsTable;
import org.delineo.training.eval.CheckpointEvaluation;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.eval.ModelWeights;
import org.delineo.training.wiring.Experiment;

/**
 * {@code delineo eval (--checkpoint D | --weights FILE) [--config F] [--set k=v ...] [--split val|test]}:
 * metrics of a checkpoint or of a PyTorch state dict. The config defaults to the one stored with the
 * checkpoint ({@link CheckpointConfigOptions}).
 */
final class EvalCommand implements Command {

  @Override
  public String name() {
    return "eval";
  }

  @Override
  public String summary() {
    return "evaluate a checkpoint on a split and print the per-class IoU/Dice table (medical data: also"
        + " per-volume or per-image Dice / HD95 / ASD / ASSD)";
  }

  @Override
  public Options options() {
    Options o = CheckpointConfigOptions.addTo(new Options());
    WeightsOptions.addTo(o);
    o.addOption(Option.builder().longOpt("split").hasArg().desc("val (default) or test").build());
    o.addOption(Option.builder().longOpt("masks").hasArg().argName("all|full")
        .desc("multi-modal models: score every case under all 15 modality masks (default) or only with all"
            + " modalities (full)").build());
    o.addOption(Option.builder().longOpt("empty-rule").hasArg().argName("brats|passion|ssl4mis")
        .desc("how empty predictions or references score: brats (Dice 0, HD95 373.13 when exactly one is empty;"
            + " default for BraTS tables), passion (HD95 1.0), ssl4mis (Dice 0, HD95 50, ASD 10; default for"
            + " sliced volumes and ISIC images)").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    Path checkpoint = WeightsOptions.source(line);
    ExperimentConfig config = CheckpointConfigOptions.load(line, checkpoint);
    Split split = split(line.getOptionValue("split", "val"));
    SegmentationDataset dataset = DatasetFactory.open(config.getData());
    Experiment experiment = Experiment.create(config, List.of());
    // A state dict's load report is printed once, by this first of the evaluations that load it.
    ConfusionMatrix m = CheckpointEvaluation.run(experiment, dataset, checkpoint, split, out);
    out.println(split.name().toLowerCase(Locale.ROOT) + " (" + dataset.ids(split).size() + " samples):");
    out.println(MetricsTable.format(m));
    if (dataset instanceof SliceDataset sliced) {
      EmptyMaskRule rule = rule(line, "ssl4mis");
      out.println("per volume (" + split.name().toLowerCase(Locale.ROOT) + ", Dice as a fraction, HD95 / ASD / ASSD"
          + " in mm at each volume's header spacing):");
      out.println(CheckpointEvaluation.volumes(experiment, sliced, checkpoint, split, rule).format());
    } else if (dataset instanceof IsicLayout) {
      // Independent 2D images: SemSim / UniMatch report Dice, 95HD and ASSD per image for ISIC.
      EmptyMaskRule rule = rule(line, "ssl4mis");
      out.println("per image (" + split.name().toLowerCase(Locale.ROOT) + ", Dice as a fraction, HD95 / ASD / ASSD"
          + " in pixels, pixel spacing 1):");
      out.println(CheckpointEvaluation.images(experiment, dataset, checkpoint, split, rule).format());
    }
    if (experiment.model(ModelDimensions.numClasses(config, dataset), ModelDimensions.inChannels(config, dataset)).takesModalityMask()) {
      modalityMaskTable(line, experiment, dataset, checkpoint, split, out);
    }
    return 0;
  }

  /** The 15-mask table (or the all-modalities row), printed and written beside the run's checkpoints. */
  private static void modalityMaskTable(CommandLine line, Experiment experiment, SegmentationDataset dataset,
      Path checkpoint, Split split, PrintStream out) {
    String which = line.getOptionValue("masks", "all");
    int[] masks;
    if (which.equals("all")) {
      masks = java.util.stream.IntStream.range(0, ModalityMasks.COUNT).toArray();
    } else if (which.equals("full")) {
      masks = new int[] {ModalityMasks.ALL};
    } else {
      throw new DelineoException("--masks: expected all or full, found '" + which + "'");
    }
    EmptyMaskRule rule = rule(line, "brats");
    ModalityMaskTable table = CheckpointEvaluation.modalityMasks(experiment, dataset, checkpoint, split, masks, rule);
    out.println("modality masks (" + split.name().toLowerCase(Locale.ROOT) + ", Dice % and HD95 mm, empty rule "
        + rule.name() + "):");
    out.println(table.format());
    // runs/<run>/checkpoints/ckpt-N -> runs/<run>; a state dict file: its folder
    Path runDir = ModelWeights.isStateDict(checkpoint) ? checkpoint.getParent()
        : checkpoint.getParent() != null && checkpoint.getParent().getParent() != null
        ? checkpoint.getParent().getParent() : checkpoint;
    String stem = "modality_masks_" + split.name().toLowerCase(Locale.ROOT) + "_" + checkpoint.getFileName();
    table.writeCsv(runDir.resolve(stem + ".csv"));
    table.writeJson(runDir.resolve(stem + ".json"));
    out.println("wrote " + runDir.resolve(stem + ".csv") + " and .json");
  }

  private static EmptyMaskRule rule(CommandLine line, String fallback) {
    String name = line.getOptionValue("empty-rule", fallback);
    return switch (name) {
      case "brats" -> EmptyMaskRule.BRATS;
      case "passion" -> EmptyMaskRule.PASSION;
      case "ssl4mis" -> EmptyMaskRule.SSL4MIS;
      default -> throw new DelineoException("--empty-rule: expected brats, passion or ssl4mis, found '" + name + "'");
    };
  }

  static Split split(String name) {
    try {
      return Split.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new DelineoException("--split: expected train, val or test, found '" + name + "'");
    }
  }
}
