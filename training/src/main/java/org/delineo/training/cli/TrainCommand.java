package org.delineo.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.run.Provenance;
import org.delineo.training.run.RunDirectory;
import org.delineo.training.train.DatasetFactory;
import org.delineo.training.train.Trainer;
import org.delineo.training.wiring.Experiment;

/** {@code delineo train}: trains an experiment into a run directory (or resumes one). */
final class TrainCommand implements Command {

  @Override
  public String name() {
    return "train";
  }

  @Override
  public String summary() {
    return "train an experiment (evaluates, checkpoints, early-stops; --resume continues a run)";
  }

  @Override
  public Options options() {
    Options o = ConfigOptions.addTo(new Options(), true);
    o.addOption(Option.builder().longOpt("workdir").hasArg().argName("DIR")
        .desc("run directory (default runs/<name>-<timestamp>); with --resume, the run to continue").build());
    o.addOption(Option.builder().longOpt("resume").desc("continue from the latest checkpoint in --workdir").build());
    o.addOption(Option.builder().longOpt("ablate").hasArg().argName("a,b")
        .desc("apply named ablations (see `delineo ablations`)").build());
    o.addOption(Option.builder().longOpt("aux-loss").hasArg().argName("X")
        .desc("PROVE's extra term on every head with weight loss.aux_loss_weight (0.3): "
            + "none, focal, lovasz, boundary, dice (same as --set loss.aux_loss=X)").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    ExperimentConfig config = ConfigOptions.load(line);
    if (line.hasOption("aux-loss")) {
      config = ExperimentConfigLoader.applyOverrides(config, List.of("loss.aux_loss=" + line.getOptionValue("aux-loss")));
    }
    config = ExperimentConfigLoader.withExplicitDefaults(config);
    // Before the run directory exists: a bad file must fail the command without leaving anything.
    TrainingPreflight.run(config.getData(), out);
    Trainer.Outcome outcome = train(config, ablations(line), line.getOptionValue("workdir"),
        line.hasOption("resume"), out);
    return outcome.nonFiniteLoss() ? 1 : 0;
  }

  static List<String> ablations(CommandLine line) {
    String value = line.getOptionValue("ablate");
    return value == null || value.isBlank() ? List.of() : List.of(value.split(","));
  }

  /** Creates or opens the run directory, records config and provenance, trains, reports. */
  static Trainer.Outcome train(ExperimentConfig config, List<String> ablationNames, String workdir,
      boolean resume, PrintStream out) {
    Experiment experiment = Experiment.create(config, ablationNames);
    RunDirectory run;
    if (resume) {
      if (workdir == null) {
        throw new DelineoException("--resume needs --workdir, the run directory to continue");
      }
      run = RunDirectory.open(Path.of(workdir));
    } else if (workdir != null) {
      Path dir = Path.of(workdir);
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new DelineoException("cannot create run directory " + dir + ": " + e.getMessage(), e);
      }
      run = RunDirectory.open(dir);
    } else {
      run = RunDirectory.create(Path.of("runs"), config.getName().isEmpty() ? "run" : config.getName());
    }
    run.writeConfig(ExperimentConfigLoader.toText(config));
    run.writeProvenance(Provenance.collect(config.getRuntime().getSeed(), experiment.ablations(),
        config.getRuntime().getIntraOpThreads(), config.getRuntime().getInterOpThreads(),
        config.getRuntime().getDevice().name()));
    out.println("run directory: " + run.path());
    Trainer.Outcome outcome = new Trainer(experiment, DatasetFactory.open(config.getData()), run, out)
        .train(resume);
    out.println("finished at step " + outcome.steps()
        + (outcome.stopReason().isEmpty() ? "" : " (" + outcome.stopReason() + ")"));
    outcome.bestCheckpoint().ifPresent(p -> out.println("best checkpoint: " + p));
    return outcome;
  }
}
