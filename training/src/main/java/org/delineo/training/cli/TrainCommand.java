package org.delineo.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.config.ConfigDiff;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.config.ResumeConfigCheck;
import org.delineo.training.distribute.WorkerCluster;
import org.delineo.training.distribute.WorkerGroup;
import org.delineo.training.run.Provenance;
import org.delineo.training.run.ReplicaDevices;
import org.delineo.training.run.RunDirectory;
import org.delineo.training.strategy.Mask2FormerStrategy;
import org.delineo.training.run.SessionFactory;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.train.Trainer;
import org.delineo.training.wiring.Experiment;

/**
 * {@code delineo train}: trains an experiment into a run directory (or resumes one).
 *
 * <p>A fresh run goes to {@code --workdir}, else {@code runtime.run_dir}, else a new
 * {@code runs/<name>-<timestamp>}.
 *
 * <p>{@code --resume --workdir W} (W defaults to {@code runtime.run_dir} of {@code --config})
 * continues the run in W. Its config defaults to
 * {@code W/config.pbtxt} (with {@code --set} applied on top) and its ablations to the recorded
 * ones. Before anything is built or written, the resolved config is compared with the recorded
 * one (see {@link ResumeConfigCheck}: differences that change the graph or the data are an error,
 * harmless ones need {@code --force}), the ablations with provenance.json's, and W must hold a
 * complete checkpoint. W changes only once the checkpoint is restored.
 *
 * <p>{@code --cluster host:port,... --task-index I}, or the {@code TF_CONFIG} environment variable,
 * makes this process worker I of a data-parallel run across processes ({@link WorkerGroup}): each
 * worker runs the same command, and only worker 0 creates and writes the run directory (the
 * others validate the same things, read only, and write nothing).
 */
final class TrainCommand implements Command {
  /** Seconds a step's all-reduce waits for the other workers by default. */
  static final float DEFAULT_STEP_TIMEOUT = 300;
  /** Seconds the start and the stop agreement wait for the other workers by default. */
  static final float DEFAULT_SYNC_TIMEOUT = 3600;

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
    // --config is checked in run(): a resume defaults it to the run's recorded config.
    Options o = ConfigOptions.addTo(new Options(), false);
    o.addOption(Option.builder().longOpt("workdir").hasArg().argName("DIR")
        .desc("run directory (default runtime.run_dir, else runs/<name>-<timestamp>); with --resume, the run to"
            + " continue (default runtime.run_dir of --config)").build());
    o.addOption(Option.builder().longOpt("resume")
        .desc("continue from the latest checkpoint in --workdir (--config defaults to its config.pbtxt)").build());
    o.addOption(Option.builder().longOpt("force")
        .desc("with --resume: accept config changes that keep graph and data (e.g. schedule.total_steps)").build());
    o.addOption(Option.builder().longOpt("ablate").hasArg().argName("a,b")
        .desc("apply named ablations (see `delineo ablations`)").build());
    o.addOption(Option.builder().longOpt("cluster").hasArg().argName("host:port,...")
        .desc("train as one of several worker processes: every worker's address, worker 0 first, the same in"
            + " every worker (default: from the TF_CONFIG environment variable, if set)").build());
    o.addOption(Option.builder().longOpt("task-index").hasArg().argName("I")
        .desc("this worker's position in --cluster, from 0; worker 0 writes the run directory").build());
    o.addOption(Option.builder().longOpt("worker-timeout").hasArg().argName("SECONDS")
        .desc("how long a training step waits for the other workers before failing (default "
            + (long) DEFAULT_STEP_TIMEOUT + ")").build());
    o.addOption(Option.builder().longOpt("sync-timeout").hasArg().argName("SECONDS")
        .desc("how long workers wait for each other at the start and for worker 0's evaluations and checkpoints"
            + " (default " + (long) DEFAULT_SYNC_TIMEOUT + ")").build());
    o.addOption(Option.builder().longOpt("aux-loss").hasArg().argName("X")
        .desc("PROVE's extra term on every head with weight loss.aux_loss_weight (0.3): "
            + "none, focal, lovasz, boundary, dice (same as --set loss.aux_loss=X)").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    boolean resume = line.hasOption("resume");
    if (line.hasOption("force") && !resume) {
      throw new DelineoException("--force only applies to --resume");
    }
    WorkerGroup workers = workerGroup(line, System::getenv);
    Trainer.Outcome outcome;
    if (resume) {
      RunDirectory run = resumedRun(resumeDirectory(line));
      ExperimentConfig config = resolve(line, line.hasOption(ConfigOptions.CONFIG)
          ? ConfigOptions.load(line) : recordedWithOverrides(run, line));
      List<String> ablations = line.hasOption("ablate") ? ablations(line) : run.recordedAblations();
      check(workers, config);
      TrainingPreflight.run(config.getData(), out);
      outcome = resume(config, ablations == null ? List.of() : ablations, run, line.hasOption("force"), out,
          workers);
    } else {
      if (!line.hasOption(ConfigOptions.CONFIG)) {
        throw new DelineoException("train needs --config FILE (only --resume defaults it, to the run's config.pbtxt)");
      }
      ExperimentConfig config = resolve(line, ConfigOptions.load(line));
      check(workers, config);
      // Before the run directory exists: a bad file must fail the command without leaving anything.
      TrainingPreflight.run(config.getData(), out);
      outcome = train(config, ablations(line), line.getOptionValue("workdir"), false, out, workers);
    }
    return outcome.nonFiniteLoss() ? 1 : 0;
  }

  /**
   * This process's worker group from {@code --cluster}, {@code --task-index} and {@code TF_CONFIG}
   * in {@code env}, with the timeouts; null for an ordinary single-process run.
   */
  static WorkerGroup workerGroup(CommandLine line, UnaryOperator<String> env) {
    Optional<WorkerCluster> cluster =
        WorkerCluster.resolve(line.getOptionValue("cluster"), line.getOptionValue("task-index"), env);
    if (cluster.isEmpty()) {
      for (String option : List.of("worker-timeout", "sync-timeout")) {
        if (line.hasOption(option)) {
          throw new DelineoException("--" + option + " only applies to a run of several workers (--cluster or "
              + WorkerCluster.TF_CONFIG + ")");
        }
      }
      return null;
    }
    return new WorkerGroup(cluster.get(), seconds(line, "worker-timeout", DEFAULT_STEP_TIMEOUT),
        seconds(line, "sync-timeout", DEFAULT_SYNC_TIMEOUT));
  }

  private static float seconds(CommandLine line, String option, float fallback) {
    String value = line.getOptionValue(option);
    if (value == null) {
      return fallback;
    }
    try {
      float seconds = Float.parseFloat(value);
      if (seconds > 0 && Float.isFinite(seconds)) {
        return seconds;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new DelineoException("--" + option + ": expected a positive number of seconds, found '" + value + "'");
  }

  private static void check(WorkerGroup workers, ExperimentConfig config) {
    if (workers != null) {
      workers.check(config);
    }
  }

  /** The config as a fresh run resolves it: --aux-loss applied, then every default made explicit. */
  private static ExperimentConfig resolve(CommandLine line, ExperimentConfig config) {
    if (line.hasOption("aux-loss")) {
      config = ExperimentConfigLoader.applyOverrides(config, List.of("loss.aux_loss=" + line.getOptionValue("aux-loss")));
    }
    return ExperimentConfigLoader.withExplicitDefaults(config);
  }

  private static ExperimentConfig recordedWithOverrides(RunDirectory run, CommandLine line) {
    return ConfigOptions.loadOver(recordedConfig(run), line);
  }

  private static ExperimentConfig recordedConfig(RunDirectory run) {
    return ExperimentConfigLoader.parse(run.readConfigText(), run.configFile().toString());
  }

  /** {@code --workdir}, else {@code runtime.run_dir} of {@code --config} when set, else null. */
  private static String resumeDirectory(CommandLine line) {
    String workdir = line.getOptionValue("workdir");
    if (workdir != null || !line.hasOption(ConfigOptions.CONFIG)) {
      return workdir;
    }
    String configured = ConfigOptions.load(line).getRuntime().getRunDir();
    return configured.isEmpty() ? null : configured;
  }

  private static RunDirectory resumedRun(String workdir) {
    if (workdir == null) {
      throw new DelineoException("--resume needs --workdir (or runtime.run_dir in --config), the run directory"
          + " to continue");
    }
    Path dir = Path.of(workdir);
    if (!Files.isDirectory(dir)) {
      throw new DelineoException("run directory " + dir + " not found; --resume continues an existing run"
          + " (run without --resume to start a fresh one)");
    }
    RunDirectory run = RunDirectory.existing(dir);
    // First, since a run killed before its first checkpoint is the likeliest folder without one.
    Trainer.resumePoint(run);
    return run;
  }

  static List<String> ablations(CommandLine line) {
    String value = line.getOptionValue("ablate");
    return value == null || value.isBlank() ? List.of() : List.of(value.split(","));
  }

  /**
   * Creates or opens the run directory ({@code workdir}, else {@code runtime.run_dir}, else a new
   * {@code runs/<name>-<timestamp>}), records config and provenance, trains, reports. With
   * {@code resume}, continues the run in {@code workdir} as {@link #resume} does, accepting no
   * config change.
   */
  static Trainer.Outcome train(ExperimentConfig config, List<String> ablationNames, String workdir,
      boolean resume, PrintStream out) {
    return train(config, ablationNames, workdir, resume, out, null);
  }

  /**
   * As {@link #train(ExperimentConfig, List, String, boolean, PrintStream)}, as one worker of
   * {@code workers} when not null: only worker 0 creates and writes the run directory.
   */
  static Trainer.Outcome train(ExperimentConfig config, List<String> ablationNames, String workdir,
      boolean resume, PrintStream out, WorkerGroup workers) {
    SessionFactory.requireEnvironment(config.getRuntime());
    ReplicaDevices.resolve(config);
    if (workdir == null && !config.getRuntime().getRunDir().isEmpty()) {
      workdir = config.getRuntime().getRunDir();
    }
    if (resume) {
      RunDirectory run = resumedRun(workdir);
      return resume(config, ablationNames, run, false, out, workers);
    }
    Experiment experiment = Experiment.create(config, ablationNames);
    // The strategy's settings (e.g. an --aux-loss Mask2Former refuses) are checked before anything is written.
    requireWorkersCanShare(experiment, workers);
    if (workers != null && !workers.writesRun()) {
      if (workdir != null) {
        refuseExistingRun(Path.of(workdir));
      }
      RunDirectory run = RunDirectory.writtenByAnother(Path.of(workdir == null ? "runs" : workdir));
      return report(new Trainer(experiment, DatasetFactory.open(config.getData()), run, out)
          .inWorkerGroup(workers).train(false), out);
    }
    RunDirectory run;
    if (workdir != null) {
      Path dir = Path.of(workdir);
      refuseExistingRun(dir);
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
    run.writeProvenance(provenance(config, experiment));
    out.println("run directory: " + run.path());
    return report(new Trainer(experiment, DatasetFactory.open(config.getData()), run, out)
        .inWorkerGroup(workers).train(false), out);
  }

  /**
   * Continues the run in {@code run} (from {@link #resumedRun}, which found its checkpoint) with
   * {@code config} (resolved) and {@code ablationNames}. Validates first and changes nothing on
   * failure: the config against the recorded one, the ablations against provenance.json's. Once the checkpoint is
   * restored, accepted config changes are recorded (the previous config kept as
   * {@code config-<step>.pbtxt}) and the resuming process's provenance is added as
   * {@code provenance-resume-<step>.json}; provenance.json keeps the run's first start.
   *
   * @param force whether config changes that keep graph and data are accepted
   */
  static Trainer.Outcome resume(ExperimentConfig config, List<String> ablationNames, RunDirectory run,
      boolean force, PrintStream out) {
    return resume(config, ablationNames, run, force, out, null);
  }

  /**
   * As {@link #resume(ExperimentConfig, List, RunDirectory, boolean, PrintStream)}, as one worker
   * of {@code workers} when not null: every worker validates, only worker 0 restores and writes.
   */
  static Trainer.Outcome resume(ExperimentConfig config, List<String> ablationNames, RunDirectory run,
      boolean force, PrintStream out, WorkerGroup workers) {
    SessionFactory.requireEnvironment(config.getRuntime());
    ReplicaDevices.resolve(config);
    ExperimentConfig recorded = ExperimentConfigLoader.withExplicitDefaults(recordedConfig(run));
    List<ConfigDiff.Change> accepted =
        ResumeConfigCheck.check(recorded, config, run.configFile().toString(), force);
    List<String> recordedAblations = run.recordedAblations();
    if (recordedAblations != null && !recordedAblations.equals(ablationNames)) {
      throw new DelineoException("cannot resume: --ablate " + String.join(",", ablationNames)
          + " differs from the ablations recorded in " + run.provenanceFile() + ": "
          + (recordedAblations.isEmpty() ? "(none)" : String.join(",", recordedAblations))
          + " (omit --ablate to use the recorded ones)");
    }
    Experiment experiment = Experiment.create(config, ablationNames);
    requireWorkersCanShare(experiment, workers);
    if (!accepted.isEmpty()) {
      out.println("accepting config changes (--force): " + ResumeConfigCheck.describe(accepted, config));
    }
    out.println("run directory: " + run.path());
    Trainer trainer = new Trainer(experiment, DatasetFactory.open(config.getData()), run, out)
        .inWorkerGroup(workers)
        .beforeFirstStep(state -> {
          if (!accepted.isEmpty()) {
            Path kept = run.replaceConfig(ExperimentConfigLoader.toText(config), state.getStep());
            out.println("previous config kept as " + kept);
          }
          run.writeResumeProvenance(provenance(config, experiment), state.getStep());
        });
    return report(trainer.train(true), out);
  }

  /**
   * A fresh run never starts in a folder that holds a checkpoint: checkpoints of the same steps
   * would be replaced (a forgotten {@code --resume}). A folder left by a run killed before its first
   * checkpoint is fine; the new run cuts its records back to step 0.
   */
  /**
   * Builds the experiment's strategy (its settings fail here, before anything is written) and
   * refuses several workers for Mask2Former: its step is two session runs with a Java matching
   * between them, which the workers' all-reduced step does not carry.
   */
  private static void requireWorkersCanShare(Experiment experiment, WorkerGroup workers) {
    if (experiment.strategy() instanceof Mask2FormerStrategy && workers != null) {
      throw new ConfigException("--cluster / TF_CONFIG: Mask2Former's two-run matching step trains in one process;"
          + " expected no worker cluster, found " + workers.cluster().size() + " workers");
    }
  }

  private static void refuseExistingRun(Path dir) {
    Path checkpoints = dir.resolve(RunDirectory.CHECKPOINTS);
    if (Files.isDirectory(checkpoints) && CheckpointManager.latestIn(checkpoints).isPresent()) {
      throw new DelineoException("run directory " + dir + " already holds a run with checkpoints in " + checkpoints
          + "; continue it with --resume, or choose another --workdir");
    }
  }

  private static Provenance provenance(ExperimentConfig config, Experiment experiment) {
    return Provenance.of(config, experiment.ablations());
  }

  private static Trainer.Outcome report(Trainer.Outcome outcome, PrintStream out) {
    out.println("finished at step " + outcome.steps()
        + (outcome.stopReason().isEmpty() ? "" : " (" + outcome.stopReason() + ")"));
    outcome.bestCheckpoint().ifPresent(p -> out.println("best checkpoint: " + p));
    return outcome;
  }
}
