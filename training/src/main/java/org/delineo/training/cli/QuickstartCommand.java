package org.delineo.training.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ConfigValidator;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Split;
import org.delineo.training.export.ModelExport;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.MetricsTable;
import org.delineo.training.eval.CheckpointEvaluation;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.train.Trainer;
import org.delineo.training.wiring.Experiment;

/**
 * {@code delineo quickstart}: writes a synthetic scene dataset (once), trains the UNet of
 * {@code configs/quickstart.pbtxt}, evaluates the best checkpoint on the held-out test split,
 * exports it as a SavedModel and says where everything is.
 */
final class QuickstartCommand implements Command {
  static final String CONFIG = "configs/quickstart.pbtxt";

  @Override
  public String name() {
    return "quickstart";
  }

  @Override
  public String summary() {
    return "generate synthetic scenes, train the UNet (~2 min on 2 cores), evaluate and export";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("set").hasArg().argName("field.path=value")
        .desc("override a field of " + CONFIG + " (repeatable)").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    Path home = Path.of(System.getProperty("delineo.home", "."));
    Path file = home.resolve(CONFIG);
    String[] sets = line.getOptionValues("set");
    ExperimentConfig config = ExperimentConfigLoader.load(file, sets == null ? List.of() : List.of(sets));
    ConfigValidator.validate(config);
    config = ExperimentConfigLoader.withExplicitDefaults(config);
    Path data = Path.of(config.getData().getRoot());
    if (!Files.exists(data.resolve("dataset.txt"))) {
      out.println("writing synthetic scenes to " + data);
      DataConfig dataConfig = config.getData();
      SyntheticDataRecipe.of(dataConfig).orElseThrow(() -> new ConfigException(
          "field 'data.layout': quickstart expects a SYNTHETIC_* layout, found " + dataConfig.getLayout()))
          .write();
    }
    TrainingPreflight.run(config.getData(), out);
    Trainer.Outcome outcome = TrainCommand.train(config, List.of(), null, false, out);
    Path best = outcome.bestCheckpoint().orElseThrow(() ->
        new DelineoException("training wrote no checkpoint: " + outcome.stopReason()));
    var dataset = DatasetFactory.open(config.getData());
    ConfusionMatrix test = CheckpointEvaluation.run(Experiment.create(config, List.of()), dataset, best, Split.TEST);
    out.println();
    out.println("held-out test split (" + dataset.ids(Split.TEST).size() + " images), best checkpoint " + best + ":");
    out.println(MetricsTable.format(test));
    Path run = best.getParent().getParent();
    Path export = ModelExport.export(config, best, run.resolve("export"), "quickstart", null);
    out.printf("test mIoU %.3f; SavedModel %s; run directory %s%n", test.meanIoU(), export, run);
    return 0;
  }
}
