package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.delineo.graph.io.JsonReader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delineo ablate --index i} and {@code --collect DIR} on a tiny UNet: indexes run in any
 * order, twice, or after an interruption give the sequential {@code ablate}'s table; a scheduler's
 * index variable selects the entry; index runs in separate processes share one grid directory;
 * bad indexes, a missing {@code --workdir} and another grid in DIR are refused before anything is
 * written.
 */
class AblateIndexTest {
  private static final String GRID = "none;no-dice;no-meta-drop";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = cli(Map.of());

  @TempDir Path dir;
  private Path config;

  @BeforeEach
  void tinyConfig() throws IOException {
    Path data = dir.resolve("data");
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--size", "16,16", "--cases", "8", "--seed", "1"}), err());
    config = dir.resolve("tiny.pbtxt");
    // Checkpoints at steps 2 and 4, so a run can lose its last one and resume from step 2. CE +
    // Dice, so that no-dice changes the run (no-meta-drop does not: this is no meta_drop run).
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "loss { terms { head: \"decode\" weight: 0.5 cross_entropy {} }"
        + " terms { head: \"decode\" weight: 0.5 dice { smooth: 1e-5 } } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 4 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n"
        + "runtime { log_interval_steps: 1 }\n");
  }

  @Test
  void indexesInAnyOrderTwiceAndResumedCollectToTheSequentialTable() throws IOException {
    Path sequential = dir.resolve("sequential");
    assertEquals(0, run("ablate", "--config", config.toString(), "--grid", GRID, "--workdir", sequential.toString()),
        err());

    Path grid = dir.resolve("grid");
    String[] base = {"ablate", "--config", config.toString(), "--grid", GRID, "--workdir", grid.toString()};
    // Entry 2 first, its index taken from Slurm's variable as an array task would.
    DelineoCli arrayTask = cli(Map.of("SLURM_ARRAY_TASK_ID", "2"));
    assertEquals(0, arrayTask.run(base), err());
    assertTrue(Files.isRegularFile(grid.resolve("no-meta-drop/done.json")));
    assertFalse(Files.exists(grid.resolve("none")), "only entry 2 ran");
    assertEquals(0, run(with(base, "--index", "0")), err());

    // Entry 1 not started: the partial table has the two ended rows, and the status says incomplete.
    out.reset();
    assertEquals(AblationCollection.INCOMPLETE, run("ablate", "--collect", grid.toString()), err());
    assertTrue(out().contains("not started (no run directory):\n  1 no-dice\n"), out());
    assertEquals(List.of("none", "no-meta-drop"), firstColumn(grid.resolve("ablation_table.csv")));

    // A second run of a finished index trains nothing and changes nothing.
    Map<String, String> before = snapshot(grid.resolve("none"));
    out.reset();
    assertEquals(0, run(with(base, "--index", "0")), err());
    assertTrue(out().contains("entry 0 (none) already finished; nothing to do"), out());
    assertFalse(Pattern.compile("(?m)^step \\d+/").matcher(out()).find(), "no training step: " + out());
    assertEquals(before, snapshot(grid.resolve("none")));

    // Entry 1, then an interruption: killed after its step-2 checkpoint and before step 4's.
    assertEquals(0, run(with(base, "--index", "1")), err());
    Path noDice = grid.resolve("no-dice");
    Files.delete(noDice.resolve("done.json"));
    deleteTree(noDice.resolve("checkpoints/ckpt-4"));
    out.reset();
    assertEquals(AblationCollection.INCOMPLETE, run("ablate", "--collect", grid.toString()), err());
    assertTrue(out().contains("unfinished (running, or stopped before its evaluation; running its index again"
        + " resumes it):\n  1 no-dice\n"), out());

    out.reset();
    assertEquals(0, run(with(base, "--index", "1")), err());
    // Resumed, not restarted: restored at step 2, the steps after it trained once more, and the
    // resume's own provenance record (a fresh start would write provenance.json instead).
    assertTrue(out().contains("resumed from " + noDice.resolve("checkpoints/ckpt-2") + " at step 2"), out());
    assertEquals(List.of(3L, 4L), progressSteps(out()));
    assertTrue(Files.isRegularFile(noDice.resolve("provenance-resume-2.json")));
    assertEquals(List.of(2L, 4L), metricSteps(noDice), "each evaluation logged once");

    out.reset();
    assertEquals(0, run("ablate", "--collect", grid.toString()), err());
    assertFalse(out().contains("not started") || out().contains("unfinished") || out().contains("failed"), out());
    assertEquals(withoutColumn(Files.readAllLines(sequential.resolve("ablation_table.csv")), "train_seconds"),
        withoutColumn(Files.readAllLines(grid.resolve("ablation_table.csv")), "train_seconds"));
    List<String> md = Files.readAllLines(grid.resolve("ablation_table.md"));
    List<String> sequentialMd = Files.readAllLines(sequential.resolve("ablation_table.md"));
    assertEquals(withoutMarkdownColumn(sequentialMd, "train_seconds"), withoutMarkdownColumn(md, "train_seconds"));
    assertEquals(5, md.size(), "header, separator and three rows: " + md);
  }

  @Test
  void aDivergedEntryIsMarkedFailedAndCollectListsIt() throws IOException {
    Path grid = dir.resolve("grid");
    String[] base = {"ablate", "--config", config.toString(), "--grid", "none;no-dice", "--set", "optimizer.lr=1e30",
        "--workdir", grid.toString(), "--index", "0"};
    assertEquals(1, run(base), err());
    Map<String, Object> marker = json(grid.resolve("none/done.json"));
    assertEquals("failed", marker.get("status"));
    assertTrue(((String) marker.get("error")).startsWith("loss is "), marker.toString());

    // Deterministic: its re-run reports the failure again without training.
    out.reset();
    assertEquals(1, run(base), err());
    assertTrue(out().contains("entry 0 (none) already failed: loss is "), out());
    assertFalse(Pattern.compile("(?m)^step \\d+/").matcher(out()).find(), out());

    out.reset();
    assertEquals(AblationCollection.INCOMPLETE, run("ablate", "--collect", grid.toString()), err());
    assertTrue(out().contains("failed:\n  0 none: loss is "), out());
    assertTrue(out().contains("not started (no run directory):\n  1 no-dice\n"), out());
    List<String> csv = Files.readAllLines(grid.resolve("ablation_table.csv"));
    assertEquals(2, csv.size(), csv.toString());
    assertTrue(csv.get(1).startsWith("none,,,,"), "no metrics for a failed run: " + csv.get(1));
  }

  @Test
  void twoIndexesRunAsSeparateProcessesIntoOneGrid() throws Exception {
    // Two steps, one thread each: two JVMs share the machine.
    Files.writeString(config, Files.readString(config).replace("total_steps: 4", "total_steps: 2")
        .replace("log_interval_steps: 1", "log_interval_steps: 1 intra_op_threads: 1 inter_op_threads: 1"));
    Path grid = dir.resolve("grid");
    List<String> command = List.of("ablate", "--config", config.toString(), "--grid", "none;no-dice",
        "--workdir", grid.toString());
    // Started together, so both may find no grid.json and write it.
    Process first = start("index-0", with(command, "--index", "0"), Map.of());
    Process second = start("index-1", command, Map.of("JOB_COMPLETION_INDEX", "1"));
    assertEquals(0, finish(first), "index 0");
    assertEquals(0, finish(second), "index 1");

    Map<String, Object> none = json(grid.resolve("none/done.json"));
    Map<String, Object> noDice = json(grid.resolve("no-dice/done.json"));
    assertEquals(List.of("none", 0L, "finished"), List.of(none.get("entry"), none.get("index"), none.get("status")));
    assertEquals(List.of("no-dice", 1L, "finished"),
        List.of(noDice.get("entry"), noDice.get("index"), noDice.get("status")));
    assertEquals(List.of("none", "no-dice"), json(grid.resolve("grid.json")).get("entries"));
    assertEquals(0, run("ablate", "--collect", grid.toString()), err());
    assertEquals(List.of("none", "no-dice"), firstColumn(grid.resolve("ablation_table.csv")));
  }

  @Test
  void anIndexOutsideTheGridIsRefusedAndNothingIsWritten() {
    Path grid = dir.resolve("grid");
    assertEquals(DelineoCli.USAGE_ERROR, run("ablate", "--config", config.toString(), "--grid", GRID,
        "--workdir", grid.toString(), "--index", "3"));
    assertEquals("delineo ablate: --index: expected an index of the grid's 3 entries, 0 to 2, found '3'", lastLine());

    DelineoCli task = cli(Map.of("JOB_COMPLETION_INDEX", "-1", "SLURM_ARRAY_TASK_ID", "0"));
    assertEquals(DelineoCli.USAGE_ERROR, task.run(new String[] {"ablate", "--config", config.toString(),
        "--grid", GRID, "--workdir", grid.toString()}));
    assertEquals("delineo ablate: JOB_COMPLETION_INDEX: expected an index of the grid's 3 entries, 0 to 2,"
        + " found '-1'", lastLine());
    assertFalse(Files.exists(grid));
  }

  @Test
  void anIndexNeedsAnExplicitWorkdir() throws IOException {
    assertEquals(DelineoCli.USAGE_ERROR, run("ablate", "--config", config.toString(), "--grid", GRID,
        "--index", "1"));
    assertEquals("delineo ablate: --index runs one entry into DIR/<entry>: expected --workdir DIR, shared by every"
        + " index (the default directory holds a timestamp), found none", lastLine());
    assertEquals(1, err().lines().count(), err());
    assertFalse(Files.exists(Path.of("runs")) && hasAblateDirectory(Path.of("runs")), "no grid directory made");
  }

  @Test
  void anotherGridOrConfigInAnExistingDirectoryIsRefused() throws IOException {
    Path grid = dir.resolve("grid");
    // --emit records the grid without training.
    assertEquals(0, run("ablate", "--config", config.toString(), "--grid", "none;no-dice", "--workdir",
        grid.toString(), "--emit", "slurm", "--out", dir.resolve("job.sbatch").toString()), err());
    Map<String, String> before = snapshot(grid);

    assertEquals(DelineoCli.USAGE_ERROR, run("ablate", "--config", config.toString(), "--grid", "none;no-meta-drop",
        "--workdir", grid.toString(), "--index", "0"));
    String message = lastLine();
    assertTrue(message.startsWith("delineo ablate: --workdir " + grid + " holds another ablation grid"), message);
    assertTrue(message.contains("its grid is 'none;no-dice' (entries none, no-dice), this one 'none;no-meta-drop'"
        + " (entries none, no-meta-drop)"), message);

    assertEquals(DelineoCli.USAGE_ERROR, run("ablate", "--config", config.toString(), "--grid", "none;no-dice",
        "--set", "optimizer.lr=0.5", "--workdir", grid.toString()));
    assertTrue(lastLine().contains("its config differs (recorded -> this): ") && lastLine().contains(
        "optimizer.lr: 0.01 -> 0.5"), lastLine());
    assertEquals(before, snapshot(grid), "nothing trained or written");
  }

  private DelineoCli cli(Map<String, String> env) {
    List<Command> commands = new ArrayList<>(Commands.all());
    commands.replaceAll(c -> c instanceof AblateCommand ? new AblateCommand(env::get) : c);
    return new DelineoCli(commands, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private int run(String... args) {
    return cli.run(args);
  }

  /** A child JVM running the CLI in {@code dir}, its output in {@code dir/<name>.log}. */
  private Process start(String name, List<String> args, Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // C1 only: these JVMs live seconds, where the optimizing compiler costs more than it saves.
        "-Xmx512m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), DelineoCli.class.getName()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    // The child must find its index only where it is told to.
    AblateCommand.INDEX_VARIABLES.forEach(builder.environment()::remove);
    builder.environment().put("TF_ENABLE_ONEDNN_OPTS", "1");
    builder.environment().putAll(env);
    return builder.start();
  }

  private int finish(Process p) throws Exception {
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child process did not end within 180 s");
    }
    if (p.exitValue() != 0) {
      StringBuilder logs = new StringBuilder();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path log : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
          logs.append(log).append(":\n").append(Files.readString(log));
        }
      }
      System.err.println(logs);
    }
    return p.exitValue();
  }

  private static String[] with(String[] args, String... more) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static List<String> with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all;
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private String lastLine() {
    List<String> lines = err().lines().toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  private static boolean hasAblateDirectory(Path runs) throws IOException {
    try (Stream<Path> s = Files.list(runs)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith("tiny-ablate-"));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(Path file) throws IOException {
    return (Map<String, Object>) JsonReader.parse(Files.readString(file));
  }

  /** The steps of the progress lines ({@code step 3/4 ...}) in {@code log}. */
  private static List<Long> progressSteps(String log) {
    List<Long> steps = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^step (\\d+)/").matcher(log);
    while (m.find()) {
      steps.add(Long.parseLong(m.group(1)));
    }
    return steps;
  }

  private static List<Long> metricSteps(Path run) throws IOException {
    List<Long> steps = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      Matcher m = Pattern.compile("\"step\":(\\d+)").matcher(line);
      assertTrue(m.find(), line);
      steps.add(Long.parseLong(m.group(1)));
    }
    return steps;
  }

  private static List<String> firstColumn(Path csv) throws IOException {
    return Files.readAllLines(csv).stream().skip(1).map(l -> l.split(",", -1)[0]).toList();
  }

  /** CSV lines without {@code column} (no cell of these tables holds a comma: errors are empty). */
  private static List<List<String>> withoutColumn(List<String> csv, String column) {
    int drop = List.of(csv.get(0).split(",", -1)).indexOf(column);
    assertTrue(drop >= 0, csv.get(0));
    List<List<String>> rows = new ArrayList<>();
    for (String line : csv) {
      List<String> cells = new ArrayList<>(List.of(line.split(",", -1)));
      cells.remove(drop);
      rows.add(cells);
    }
    return rows;
  }

  private static List<List<String>> withoutMarkdownColumn(List<String> md, String column) {
    List<List<String>> rows = new ArrayList<>();
    for (String line : md) {
      List<String> cells = new ArrayList<>();
      for (String cell : line.substring(1, line.length() - 1).split("\\|", -1)) {
        cells.add(cell.trim());
      }
      rows.add(cells);
    }
    int drop = rows.get(0).indexOf(column);
    assertTrue(drop >= 0, md.get(0));
    rows.forEach(r -> r.remove(drop));
    return rows;
  }

  /** Every file under {@code root} with its size and modification time. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString(), Files.size(p) + " " + Files.getLastModifiedTime(p));
      }
    }
    return files;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.delete(p);
      }
    }
  }
}
