package org.delineo.training.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Pattern;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;

/**
 * One training run's directory, {@code <base>/<name>-<yyyyMMdd-HHmmss>}: the resolved
 * {@code config.pbtxt}, {@code provenance.json}, {@code metrics.jsonl}, and the subdirectories
 * {@code checkpoints/} and {@code events/} (TensorBoard).
 *
 * <p>A resumed run keeps the records of its first start: {@code provenance.json} stays as written
 * then, and each resume adds {@code provenance-resume-<step>.json} (the resuming process's facts;
 * {@code <step>} is the restored step). When a resume accepts config changes ({@code --force}),
 * the previous {@code config.pbtxt}, which produced the checkpoints up to the restored step, is
 * kept as {@code config-<step>.pbtxt} and {@code config.pbtxt} holds the config in use from then on.
 */
public final class RunDirectory {
  /** Subdirectory of the checkpoints. */
  public static final String CHECKPOINTS = "checkpoints";
  /** Subdirectory of the TensorBoard event files. */
  public static final String EVENTS = "events";
  /** The resolved experiment config. */
  public static final String CONFIG_FILE = "config.pbtxt";
  /** The JSON-lines log of evaluations (see the metrics package's MetricsLog). */
  public static final String METRICS_FILE = "metrics.jsonl";
  /** The run's provenance. */
  public static final String PROVENANCE_FILE = "provenance.json";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private final Path path;

  private RunDirectory(Path path) {
    this.path = path;
  }

  /** A new run directory named after {@code name} and the current local time. */
  public static RunDirectory create(Path base, String name) {
    return create(base, name, Clock.systemDefaultZone());
  }

  /**
   * A new run directory {@code <base>/<name>-<time>}; when that exists already (two runs started
   * within one second) a suffix {@code -2}, {@code -3}, ... makes it unique.
   *
   * @throws DelineoException when {@code name} is not a plain file name or the directory cannot
   *     be created
   */
  public static RunDirectory create(Path base, String name, Clock clock) {
    if (!NAME.matcher(name).matches()) {
      throw new DelineoException("run name '" + name + "' must match " + NAME.pattern()
          + " (letters, digits, '.', '_', '-'; no path separators)");
    }
    String stem = name + "-" + STAMP.withZone(clock.getZone()).format(clock.instant());
    try {
      Files.createDirectories(base);
      for (int n = 1; ; n++) {
        Path candidate = base.resolve(n == 1 ? stem : stem + "-" + n);
        try {
          // createDirectory fails if it exists, so two processes never share a run directory.
          Files.createDirectory(candidate);
          RunDirectory run = new RunDirectory(candidate);
          Files.createDirectory(run.checkpoints());
          Files.createDirectory(run.events());
          return run;
        } catch (FileAlreadyExistsException taken) {
          // Try the next suffix.
        }
      }
    } catch (IOException e) {
      throw new DelineoException("cannot create run directory for '" + name + "' under " + base
          + ": " + e, e);
    }
  }

  /**
   * An existing run directory, e.g. to resume; missing subdirectories are created.
   *
   * @throws DelineoException when {@code path} is not a directory
   */
  public static RunDirectory open(Path path) {
    if (!Files.isDirectory(path)) {
      throw new DelineoException("run directory " + path + " not found");
    }
    RunDirectory run = new RunDirectory(path);
    try {
      Files.createDirectories(run.checkpoints());
      Files.createDirectories(run.events());
    } catch (IOException e) {
      throw new DelineoException("cannot prepare run directory " + path + ": " + e, e);
    }
    return run;
  }

  /**
   * An existing run directory, opened without creating or changing anything in it (a resume
   * validates before it writes).
   *
   * @throws DelineoException when {@code path} is not a directory
   */
  public static RunDirectory existing(Path path) {
    if (!Files.isDirectory(path)) {
      throw new DelineoException("run directory " + path + " not found");
    }
    return new RunDirectory(path);
  }

  /**
   * The paths of a run directory this process reads at most and never writes, checked and created
   * by nothing (a worker other than 0 of a multi-process run: worker 0 writes the directory, which
   * may not exist yet).
   */
  public static RunDirectory writtenByAnother(Path path) {
    return new RunDirectory(path);
  }

  public Path path() {
    return path;
  }

  public Path checkpoints() {
    return path.resolve(CHECKPOINTS);
  }

  public Path events() {
    return path.resolve(EVENTS);
  }

  public Path configFile() {
    return path.resolve(CONFIG_FILE);
  }

  public Path provenanceFile() {
    return path.resolve(PROVENANCE_FILE);
  }

  public Path metricsFile() {
    return path.resolve(METRICS_FILE);
  }

  /** Writes the resolved experiment config (protobuf text) as config.pbtxt. */
  public void writeConfig(String configText) {
    write(configFile(), configText);
  }

  /** Writes provenance.json. */
  public void writeProvenance(Provenance provenance) {
    write(provenanceFile(), provenance.toJson());
  }

  /**
   * The recorded config.pbtxt's text.
   *
   * @throws DelineoException naming the file when it is missing or unreadable
   */
  public String readConfigText() {
    Path file = configFile();
    if (!Files.isRegularFile(file)) {
      throw new DelineoException("run directory " + path + " has no " + CONFIG_FILE
          + " recording its config; cannot check what the run was trained with");
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DelineoException("cannot read " + file + ": " + e, e);
    }
  }

  /**
   * The ablations provenance.json records, or null when the run has no provenance.json.
   *
   * @throws DelineoException when the file is unreadable
   */
  public List<String> recordedAblations() {
    Path file = provenanceFile();
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return Provenance.ablationsIn(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new DelineoException("cannot read " + file + ": " + e, e);
    }
  }

  /**
   * Records the config a resume from {@code restoredStep} continues with: the previous
   * config.pbtxt is renamed to {@code config-<restoredStep>.pbtxt} (with a suffix if taken), then
   * the new text is written as config.pbtxt.
   *
   * @return where the previous config now is
   */
  public Path replaceConfig(String configText, long restoredStep) {
    Path kept = unused("config-" + restoredStep, ".pbtxt");
    try {
      Files.move(configFile(), kept);
    } catch (IOException e) {
      throw new DelineoException("cannot keep the previous " + configFile() + " as " + kept + ": " + e, e);
    }
    writeConfig(configText);
    return kept;
  }

  /** Writes the provenance of a resume from {@code restoredStep}; provenance.json is kept as is. */
  public Path writeResumeProvenance(Provenance provenance, long restoredStep) {
    Path file = unused("provenance-resume-" + restoredStep, ".json");
    write(file, provenance.toJson());
    return file;
  }

  /** {@code <stem><ext>}, or {@code <stem>-2<ext>}, ... when taken: earlier records are never overwritten. */
  private Path unused(String stem, String ext) {
    Path candidate = path.resolve(stem + ext);
    for (int n = 2; Files.exists(candidate); n++) {
      candidate = path.resolve(stem + "-" + n + ext);
    }
    return candidate;
  }

  private static void write(Path file, String text) {
    try {
      SafeFiles.durable().writeString(file, text);
    } catch (IOException e) {
      throw new DelineoException("cannot write " + file + ": " + e, e);
    }
  }
}
