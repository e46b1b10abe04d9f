package org.delineo.training.cli;

import org.delineo.training.data.pipeline.ModelDimensions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.metrics.BratsCaseScores;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.run.RunDirectory;
import org.delineo.training.run.SessionFactory;
import org.delineo.training.eval.CheckpointEvaluation;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.train.Trainer;
import org.delineo.training.wiring.Experiment;

/**
 * {@code delineo ablate --config F --grid "none;no-kl;no-kl,no-proto"}: trains one run per grid
 * entry, one after another, with the same config and seed (so runs differ only by their ablation
 * modules), evaluates each run's best checkpoint as {@code delineo eval} does, and writes one
 * comparison table ({@code ablation_table.csv} and {@code .md}) into the grid directory.
 */
final class AblateCommand implements Command {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  @Override
  public String name() {
    return "ablate";
  }

  @Override
  public String summary() {
    return "train a grid of ablations (e.g. \"none;no-kl;no-kl,no-proto\") and write one comparison table";
  }

  @Override
  public Options options() {
    Options o = ConfigOptions.addTo(new Options(), true);
    o.addOption(Option.builder().longOpt("grid").hasArg().argName("a;b,c").required()
        .desc("';'-separated runs: 'none' (the config as is) or a comma list of ablations"
            + " (see `delineo ablations`)").build());
    o.addOption(Option.builder().longOpt("workdir").hasArg().argName("DIR")
        .desc("grid directory, one run directory per entry inside (default"
            + " runs/<name>-ablate-<timestamp>)").build());
    o.addOption(Option.builder().longOpt("split").hasArg()
        .desc("split the best checkpoints are evaluated on: val (default) or test").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    ExperimentConfig config = ExperimentConfigLoader.withExplicitDefaults(ConfigOptions.load(line));
    Split split = EvalCommand.split(line.getOptionValue("split", "val"));
    // Every entry is checked before anything trains: a typo must not cost the runs before it.
    List<AblationGrid.Entry> entries = AblationGrid.parse(line.getOptionValue("grid"));
    TrainingPreflight.run(config.getData(), out);
    SessionFactory.requireDeterministicOps(config.getRuntime());
    SegmentationDataset dataset = DatasetFactory.open(config.getData());
    int numClasses = ModelDimensions.numClasses(config, dataset);
    boolean masks = Experiment.create(config, List.of())
        .model(numClasses, ModelDimensions.inChannels(config, dataset)).takesModalityMask()
        // The mask table refuses a test-time resize (it slides its own window); leave its columns out.
        && config.getData().getTestResizeCount() == 0;
    Path dir = gridDirectory(line.getOptionValue("workdir"), config);
    for (AblationGrid.Entry e : entries) {
      requireFresh(dir.resolve(e.directory()));
    }
    out.println("ablation grid: " + dir + " (" + entries.size() + " runs, seed "
        + config.getRuntime().getSeed() + ")");

    AblationTable table = new AblationTable(numClasses, masks);
    for (int i = 0; i < entries.size(); i++) {
      AblationGrid.Entry e = entries.get(i);
      out.println("== run " + (i + 1) + "/" + entries.size() + ": " + e.directory());
      table.add(runEntry(config, e, dir.resolve(e.directory()), dataset, split, masks, out));
      // Rewritten after every run, so an interrupted grid still leaves the finished rows.
      table.write(dir);
    }
    out.println("ablation table (" + split.name().toLowerCase(Locale.ROOT)
        + ", metrics in %, best checkpoint of each run):");
    out.print(table.toMarkdown());
    out.println("wrote " + dir.resolve(AblationTable.CSV_FILE) + " and " + dir.resolve(AblationTable.MARKDOWN_FILE));
    return table.rows().stream().anyMatch(r -> !r.error().isEmpty()) ? 1 : 0;
  }

  /** Trains and evaluates one entry; a failure becomes the row's error so the grid goes on. */
  private static AblationTable.Row runEntry(ExperimentConfig config, AblationGrid.Entry entry, Path runDir,
      SegmentationDataset dataset, Split split, boolean masks, PrintStream out) {
    long began = System.nanoTime();
    double seconds = Double.NaN;
    double loss = Double.NaN;
    try {
      // The same path as `delineo train --workdir runDir --ablate ...`: config, provenance, Trainer.
      Trainer.Outcome outcome = TrainCommand.train(config, entry.ablations(), runDir.toString(), false, out);
      seconds = (System.nanoTime() - began) / 1e9;
      loss = outcome.lastLoss();
      if (outcome.nonFiniteLoss()) {
        return new AblationTable.Row(entry.directory(), null, null, seconds, loss, outcome.stopReason());
      }
      // Evaluated with the run's ablations: an ablation may change the model's variables.
      Experiment experiment = Experiment.create(config, entry.ablations());
      Path checkpoint = bestCheckpoint(runDir.resolve(RunDirectory.CHECKPOINTS));
      out.println("evaluating " + checkpoint + " on " + split.name().toLowerCase(Locale.ROOT));
      ConfusionMatrix matrix = CheckpointEvaluation.run(experiment, dataset, checkpoint, split);
      BratsCaseScores maskAverage = null;
      if (masks) {
        int[] all = IntStream.range(0, ModalityMasks.COUNT).toArray();
        maskAverage = CheckpointEvaluation.modalityMasks(experiment, dataset, checkpoint, split, all,
            EmptyMaskRule.BRATS).average();
      }
      return new AblationTable.Row(entry.directory(), matrix, maskAverage, seconds, loss, "");
    } catch (RuntimeException e) {
      if (Double.isNaN(seconds)) {
        seconds = (System.nanoTime() - began) / 1e9;
      }
      String error = e instanceof DelineoException ? e.getMessage() : e.toString();
      out.println("run " + entry.directory() + " failed: " + error);
      return new AblationTable.Row(entry.directory(), null, null, seconds, loss, error);
    }
  }

  /** {@code checkpoints/best}, or {@code checkpoints/latest} when no checkpoint was ranked. */
  private static Path bestCheckpoint(Path checkpoints) {
    try {
      return CheckpointManager.resolve(checkpoints.resolve("best"));
    } catch (DelineoException noBest) {
      return CheckpointManager.resolve(checkpoints.resolve("latest"));
    }
  }

  /** {@code --workdir}, or a new {@code runs/<name>-ablate-<timestamp>} (suffixed when taken). */
  private static Path gridDirectory(String workdir, ExperimentConfig config) {
    try {
      if (workdir != null) {
        return Files.createDirectories(Path.of(workdir));
      }
      String stem = (config.getName().isEmpty() ? "run" : config.getName()) + "-ablate-"
          + STAMP.format(LocalDateTime.now());
      Path base = Files.createDirectories(Path.of("runs"));
      for (int n = 1; ; n++) {
        try {
          // createDirectory fails if it exists, so two grids never share a directory.
          return Files.createDirectory(base.resolve(n == 1 ? stem : stem + "-" + n));
        } catch (FileAlreadyExistsException taken) {
          // Try the next suffix.
        }
      }
    } catch (IOException e) {
      throw new DelineoException("cannot create the ablation grid directory: " + e, e);
    }
  }

  /** A run would mix its checkpoints with an earlier run's, so its directory must be new or empty. */
  private static void requireFresh(Path runDir) {
    if (!Files.isDirectory(runDir)) {
      if (Files.exists(runDir)) {
        throw new DelineoException("ablate: expected " + runDir + " to be a directory or absent, found a file");
      }
      return;
    }
    try (Stream<Path> files = Files.list(runDir)) {
      if (files.findAny().isPresent()) {
        throw new DelineoException("ablate: expected no earlier run in " + runDir
            + ", found files there; choose another --workdir");
      }
    } catch (IOException e) {
      throw new DelineoException("cannot read " + runDir + ": " + e, e);
    }
  }
}
