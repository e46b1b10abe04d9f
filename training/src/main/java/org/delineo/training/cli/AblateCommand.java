package org.delineo.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Split;

/**
 * {@code delineo ablate --config F --grid "none;no-kl;no-kl,no-proto"}: one run per grid entry
 * with the same config and seed (so runs differ only by their ablation modules) into
 * {@code DIR/<entry>}, each run's best checkpoint evaluated as {@code delineo eval} does, and one
 * comparison table ({@code ablation_table.csv} and {@code .md}) in DIR. Four modes:
 *
 * <ul>
 *   <li>sequential (default): every entry, one after another;
 *   <li>{@code --index i}, or the index a scheduler sets ({@code JOB_COMPLETION_INDEX} of a
 *       Kubernetes Indexed Job, {@code SLURM_ARRAY_TASK_ID} of an sbatch array): entry i only, into
 *       an explicit {@code --workdir};
 *   <li>{@code --collect DIR}: the table of a grid whose entries ran as separate jobs
 *       ({@link AblationCollection});
 *   <li>{@code --emit kubernetes|slurm}: writes the job that runs every index
 *       ({@link KubernetesIndexedJob}, {@link SlurmArrayScript}).
 * </ul>
 *
 * <p>Both run modes use {@link AblationEntryRun}, so they are idempotent alike: an entry with a
 * {@code done.json} is not run again, one with a checkpoint but no {@code done.json} resumes. DIR
 * records its grid and config in {@link GridRecord grid.json}, and a run with another grid or
 * config into an existing DIR is refused before anything is written.
 */
final class AblateCommand implements Command {
  /** Where a scheduler puts the task's index, in the order they are looked up. */
  static final List<String> INDEX_VARIABLES = List.of("JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID");
  /** The claim {@code --emit kubernetes} mounts when {@code --pvc} is not given. */
  static final String DEFAULT_CLAIM = "delineo-runs";

  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
  /** A Kubernetes object name that is also a label value: the Job's name. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  /** A PersistentVolumeClaim name (a DNS subdomain). */
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final List<String> EMIT_OPTIONS =
      List.of("out", "image", "gpus", "pvc", "mount", "parallelism", "job-name");

  private final UnaryOperator<String> env;

  /** The command reading the scheduler's index from the process environment. */
  AblateCommand() {
    this(System::getenv);
  }

  /** The command reading the scheduler's index from {@code env} (a test's environment). */
  AblateCommand(UnaryOperator<String> env) {
    this.env = env;
  }

  @Override
  public String name() {
    return "ablate";
  }

  @Override
  public String summary() {
    return "train a grid of ablations (e.g. \"none;no-kl;no-kl,no-proto\") and write one comparison table;"
        + " --index/--emit/--collect run it on a cluster";
  }

  @Override
  public Options options() {
    // --config and --grid are checked in run(): --collect needs neither.
    Options o = ConfigOptions.addTo(new Options(), false);
    o.addOption(Option.builder().longOpt("grid").hasArg().argName("a;b,c")
        .desc("';'-separated runs: 'none' (the config as is) or a comma list of ablations"
            + " (see `delineo ablations`)").build());
    o.addOption(Option.builder().longOpt("workdir").hasArg().argName("DIR")
        .desc("grid directory, one run directory per entry inside (default"
            + " runs/<name>-ablate-<timestamp>; required with --index and --emit)").build());
    o.addOption(Option.builder().longOpt("split").hasArg()
        .desc("split the best checkpoints are evaluated on: val (default) or test").build());
    o.addOption(Option.builder().longOpt("index").hasArg().argName("i")
        .desc("run grid entry i only (0-based); default: " + String.join(" or ", INDEX_VARIABLES)
            + " when set").build());
    o.addOption(Option.builder().longOpt("collect").hasArg().argName("DIR")
        .desc("write DIR's table from its finished entries and list the missing or failed ones"
            + " (exit " + AblationCollection.INCOMPLETE + " while incomplete)").build());
    o.addOption(Option.builder().longOpt("emit").hasArg().argName("kubernetes|slurm")
        .desc("write a Kubernetes Indexed Job or an sbatch array script running every entry, and"
            + " DIR/grid.json").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE")
        .desc("with --emit: the file to write (default: standard output)").build());
    o.addOption(Option.builder().longOpt("image").hasArg().argName("IMAGE")
        .desc("with --emit kubernetes (required): container image with delineo on its PATH").build());
    o.addOption(Option.builder().longOpt("pvc").hasArg().argName("CLAIM")
        .desc("with --emit kubernetes: PersistentVolumeClaim mounted at --workdir in every pod (default "
            + DEFAULT_CLAIM + ")").build());
    o.addOption(Option.builder().longOpt("mount").hasArg().argName("PATH")
        .desc("with --emit kubernetes: where the claim is mounted, --workdir or a folder above it (default"
            + " --workdir); e.g. the folder holding data and runs").build());
    o.addOption(Option.builder().longOpt("gpus").hasArg().argName("N")
        .desc("with --emit: GPUs per entry (default 1; 0 requests none)").build());
    o.addOption(Option.builder().longOpt("parallelism").hasArg().argName("P")
        .desc("with --emit: entries running at once (default all)").build());
    o.addOption(Option.builder().longOpt("job-name").hasArg().argName("NAME")
        .desc("with --emit: the job's name (default <config name>-ablate)").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    if (line.hasOption("collect")) {
      for (Option given : line.getOptions()) {
        if (!given.getLongOpt().equals("collect")) {
          throw new DelineoException("--collect DIR reads everything from DIR/" + GridRecord.FILE
              + ": expected no other option, found --" + given.getLongOpt());
        }
      }
      return AblationCollection.collect(Path.of(line.getOptionValue("collect")), out);
    }
    for (String required : List.of(ConfigOptions.CONFIG, "grid")) {
      if (!line.hasOption(required)) {
        throw new DelineoException("ablate needs --config FILE and --grid \"a;b,c\" (only --collect DIR needs"
            + " neither), found no --" + required);
      }
    }
    if (line.hasOption("emit")) {
      return emit(line, out);
    }
    for (String option : EMIT_OPTIONS) {
      if (line.hasOption(option)) {
        throw new DelineoException("--" + option + " only applies to --emit kubernetes|slurm");
      }
    }
    ExperimentConfig config = ExperimentConfigLoader.withExplicitDefaults(ConfigOptions.load(line));
    String splitName = line.getOptionValue("split", "val");
    Split split = EvalCommand.split(splitName);
    // Every entry is checked before anything trains: a typo must not cost the runs before it.
    String gridText = line.getOptionValue("grid");
    List<AblationGrid.Entry> entries = AblationGrid.parse(gridText);
    GridRecord record = GridRecord.of(gridText, entries, split.name().toLowerCase(Locale.ROOT), config);
    Optional<Integer> index = index(line, entries.size());
    if (index.isPresent()) {
      return runIndex(config, record, entries, index.get(), Path.of(line.getOptionValue("workdir")), split, out);
    }
    return runGrid(config, record, entries, line.getOptionValue("workdir"), split, out);
  }

  /** Every entry, one after another; a failed one becomes its row and the grid goes on. */
  private static int runGrid(ExperimentConfig config, GridRecord record, List<AblationGrid.Entry> entries,
      String workdir, Split split, PrintStream out) {
    if (workdir != null) {
      record.requireSameIn(Path.of(workdir));
    }
    AblationEntryRun runner = AblationEntryRun.prepare(config, split, out);
    Path dir = gridDirectory(workdir, config);
    record.writeIfAbsent(dir);
    out.println("ablation grid: " + dir + " (" + entries.size() + " runs, seed "
        + config.getRuntime().getSeed() + ")");

    AblationTable table = runner.newTable();
    for (int i = 0; i < entries.size(); i++) {
      AblationGrid.Entry e = entries.get(i);
      out.println("== run " + (i + 1) + "/" + entries.size() + ": " + e.directory());
      table.add(runner.run(i, e, dir.resolve(e.directory())));
      // Rewritten after every run, so an interrupted grid still leaves the finished rows.
      table.write(dir);
    }
    out.println("ablation table (" + record.split() + ", metrics in %, best checkpoint of each run):");
    out.print(table.toMarkdown());
    out.println("wrote " + dir.resolve(AblationTable.CSV_FILE) + " and " + dir.resolve(AblationTable.MARKDOWN_FILE));
    return table.rows().stream().anyMatch(r -> !r.error().isEmpty()) ? 1 : 0;
  }

  /** Entry {@code index} only; a finished entry is not run again (its recorded status is returned). */
  private static int runIndex(ExperimentConfig config, GridRecord record, List<AblationGrid.Entry> entries,
      int index, Path dir, Split split, PrintStream out) {
    record.requireSameIn(dir);
    AblationGrid.Entry entry = entries.get(index);
    Path runDir = dir.resolve(entry.directory());
    // Before the dataset is opened: re-running a finished index must cost nothing.
    Optional<EntryMarker> done = EntryMarker.read(runDir);
    if (done.isPresent()) {
      out.println(done.get().describe(runDir));
      return done.get().failed() ? 1 : 0;
    }
    AblationEntryRun runner = AblationEntryRun.prepare(config, split, out);
    record.writeIfAbsent(dir);
    out.println("ablation grid: " + dir + ", entry " + index + " of 0-" + (entries.size() - 1) + ": "
        + entry.directory() + " (seed " + config.getRuntime().getSeed() + ")");
    AblationTable.Row row = runner.run(index, entry, runDir);
    AblationTable table = runner.newTable();
    table.add(row);
    out.print(table.toMarkdown());
    out.println("once every entry has ended: delineo ablate --collect " + dir);
    return row.error().isEmpty() ? 0 : 1;
  }

  /**
   * The entry to run: {@code --index}, else the first of {@link #INDEX_VARIABLES} set; empty for
   * the whole grid.
   *
   * @throws DelineoException when it is not an index of the grid, or when {@code --workdir} is missing
   */
  private Optional<Integer> index(CommandLine line, int size) {
    String from = null;
    String value = null;
    if (line.hasOption("index")) {
      from = "--index";
      value = line.getOptionValue("index");
    } else {
      for (String variable : INDEX_VARIABLES) {
        String v = env.apply(variable);
        if (v != null && !v.isBlank()) {
          from = variable;
          value = v;
          break;
        }
      }
    }
    if (from == null) {
      return Optional.empty();
    }
    int index;
    try {
      index = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      index = -1;
    }
    if (index < 0 || index >= size) {
      throw new DelineoException(from + ": expected an index of the grid's " + size + " entries, 0 to " + (size - 1)
          + ", found '" + value + "'");
    }
    if (!line.hasOption("workdir")) {
      throw new DelineoException(from + " runs one entry into DIR/<entry>: expected --workdir DIR, shared by every"
          + " index (the default directory holds a timestamp), found none");
    }
    return Optional.of(index);
  }

  /** {@code --emit kubernetes|slurm}: the job file (or standard output) and {@code DIR/grid.json}. */
  private static int emit(CommandLine line, PrintStream out) {
    String kind = line.getOptionValue("emit");
    boolean kubernetes = kind.equals("kubernetes");
    if (!kubernetes && !kind.equals("slurm")) {
      throw new DelineoException("--emit: expected kubernetes or slurm, found '" + kind + "'");
    }
    if (line.hasOption("index")) {
      throw new DelineoException("--index runs one entry; --emit writes a job whose tasks take their index from the"
          + " scheduler: give one of them");
    }
    if (kubernetes && !line.hasOption("image")) {
      throw new DelineoException("--emit kubernetes: expected --image IMAGE (a container image with delineo on its"
          + " PATH), found none");
    }
    for (String option : List.of("image", "pvc", "mount")) {
      if (!kubernetes && line.hasOption(option)) {
        throw new DelineoException("--" + option + " only applies to --emit kubernetes");
      }
    }
    String workdir = line.getOptionValue("workdir");
    if (workdir == null) {
      throw new DelineoException("--emit: expected --workdir DIR, the grid directory every task shares, found none");
    }
    if (workdir.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new DelineoException("--workdir: expected a path without control characters, found '" + workdir + "'");
    }
    if (kubernetes && !workdir.startsWith("/")) {
      throw new DelineoException("--emit kubernetes: expected an absolute --workdir (the claim's mount path in every"
          + " pod), found '" + workdir + "'");
    }
    String mount = line.getOptionValue("mount", workdir);
    if (kubernetes && !Path.of(workdir).normalize().startsWith(Path.of(mount).normalize())) {
      throw new DelineoException("--mount: expected --workdir " + workdir + " or a folder above it (the pods see the"
          + " grid directory on the claim), found '" + mount + "'");
    }
    ExperimentConfig config = ExperimentConfigLoader.withExplicitDefaults(ConfigOptions.load(line));
    Split split = EvalCommand.split(line.getOptionValue("split", "val"));
    String gridText = line.getOptionValue("grid");
    List<AblationGrid.Entry> entries = AblationGrid.parse(gridText);
    GridRecord record = GridRecord.of(gridText, entries, split.name().toLowerCase(Locale.ROOT), config);
    int size = entries.size();
    int gpus = count(line, "gpus", 1, 0);
    int parallelism = count(line, "parallelism", size, 1);
    String jobName = line.getOptionValue("job-name", defaultJobName(config));
    if (!DNS_LABEL.matcher(jobName).matches()) {
      throw new DelineoException("--job-name: expected a DNS label (lower-case letters, digits and '-', at most 63,"
          + " starting and ending with a letter or digit), found '" + jobName + "'");
    }
    String claim = line.getOptionValue("pvc", DEFAULT_CLAIM);
    if (!DNS_SUBDOMAIN.matcher(claim).matches()) {
      throw new DelineoException("--pvc: expected a PersistentVolumeClaim name (lower-case letters, digits, '-' and"
          + " '.'), found '" + claim + "'");
    }

    List<String> command = new ArrayList<>(List.of("delineo", "ablate", "--config",
        line.getOptionValue(ConfigOptions.CONFIG)));
    String[] sets = line.getOptionValues(ConfigOptions.SET);
    for (String set : sets == null ? new String[0] : sets) {
      command.add("--" + ConfigOptions.SET);
      command.add(set);
    }
    command.addAll(List.of("--grid", gridText, "--workdir", workdir));
    if (line.hasOption("split")) {
      command.addAll(List.of("--split", line.getOptionValue("split")));
    }
    AblationJob job = new AblationJob(jobName, command, size, parallelism, gpus, workdir,
        config.getRuntime().getDeterministic(), commandLine(line));
    String text = kubernetes ? KubernetesIndexedJob.manifest(job, line.getOptionValue("image"), claim, mount)
        : SlurmArrayScript.script(job);
    Path dir = Path.of(workdir);
    record.requireSameIn(dir);

    record.writeIfAbsent(dir);
    if (!line.hasOption("out")) {
      out.print(text);
      return 0;
    }
    Path file = Path.of(line.getOptionValue("out"));
    try {
      SafeFiles.durable().writeString(file, text);
    } catch (IOException e) {
      throw new DelineoException("cannot write " + file + ": " + e, e);
    }
    out.println("wrote " + file + " (" + size + " entries) and " + dir.resolve(GridRecord.FILE) + "; submit with "
        + (kubernetes ? "kubectl apply -f " : "sbatch ") + file + ", then: delineo ablate --collect " + workdir);
    return 0;
  }

  /** A whole-number option of at least {@code min}, {@code fallback} when absent. */
  private static int count(CommandLine line, String option, int fallback, int min) {
    String value = line.getOptionValue(option);
    if (value == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= min) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below, as a negative number is.
    }
    throw new DelineoException("--" + option + ": expected a whole number of at least " + min + ", found '"
        + value + "'");
  }

  /** {@code <config name>-ablate}, reduced to a DNS label. */
  private static String defaultJobName(ExperimentConfig config) {
    String stem = config.getName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
        .replaceAll("^-+|-+$", "");
    stem = stem.length() > 50 ? stem.substring(0, 50).replaceAll("-+$", "") : stem;
    return (stem.isEmpty() ? "delineo" : stem) + "-ablate";
  }

  /** The command line as typed (options in the given order), for the job's header comment. */
  private static String commandLine(CommandLine line) {
    List<String> words = new ArrayList<>(List.of("delineo", "ablate"));
    for (Option given : line.getOptions()) {
      words.add("--" + given.getLongOpt());
      if (given.hasArg()) {
        words.add(given.getValue());
      }
    }
    return ShellWords.join(words);
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
}
