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
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval and export of a checkpoint that does not fit the config (a 5-class run evaluated or
 * exported with {@code model.num_classes=7}): exit status 2, one line naming the checkpoint and the
 * classifier's variables with both shapes, and nothing written.
 */
class CheckpointMismatchCliTest {
  /** The UNet's last conv: 3x3 from the first stage's 4 channels to the classes (5 in scenes2d). */
  private static final String WEIGHT = "out_conv.weight: expected [3, 3, 4, 7] float32, found [3, 3, 4, 5] float32";

  @TempDir static Path dir;
  private static Path config;
  private static Path checkpoint;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @BeforeAll
  static void trainFiveClasses() throws IOException {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
    DelineoCli setup = new DelineoCli(Commands.all(), ps, ps);
    Path data = dir.resolve("data");
    assertEquals(0, setup.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--cases", "8", "--seed", "1"}), log.toString(StandardCharsets.UTF_8));
    config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 2 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n"
        + "export { warmup_requests: 0 }\n");
    Path run = dir.resolve("run");
    assertEquals(0, setup.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString()}),
        log.toString(StandardCharsets.UTF_8));
    checkpoint = run.resolve("checkpoints/ckpt-2");
    assertTrue(Files.isDirectory(checkpoint), log.toString(StandardCharsets.UTF_8));
    // As a checkpoint written before checkpoints stored their config: with it, the config check
    // refuses num_classes=7 before any graph is built (ModelProvenanceCliTest); here the graph's
    // own fit check is what must refuse.
    Files.delete(checkpoint.resolve("config.pbtxt"));
    Files.delete(checkpoint.resolve("provenance.json"));
  }

  @Test
  void evalOfAMisfittingCheckpointFailsWithOneLineNamingItAndTheVariables() throws IOException {
    List<String> before = listing(dir);
    int status = cli.run(new String[] {"eval", "--config", config.toString(), "--checkpoint", checkpoint.toString(),
        "--set", "model.num_classes=7"});

    assertMisfit(status);
    assertEquals(before, listing(dir), "eval wrote nothing");
  }

  @Test
  void exportOfAMisfittingCheckpointFailsAndCreatesNoDirectory() throws IOException {
    Path base = dir.resolve("exports");
    int status = cli.run(new String[] {"export", "--config", config.toString(), "--checkpoint", checkpoint.toString(),
        "--base", base.toString(), "--name", "tiny", "--set", "model.num_classes=7"});

    assertMisfit(status);
    assertFalse(Files.exists(base), "no export base, model or version directory");

    Files.createDirectories(base);
    assertEquals(2, cli.run(new String[] {"export", "--config", config.toString(), "--checkpoint",
        checkpoint.toString(), "--base", base.toString(), "--name", "tiny", "--set", "model.num_classes=7"}));
    assertEquals(List.of(), listing(base), "nothing in an existing base either");
  }

  /**
   * Two {@code delineo export} commands into one base at the same moment (issue: the loser failed
   * and its export was lost): both exit 0 with distinct complete versions, and models.config serves
   * both. The exporter-level race is made deterministic in serving's ConcurrentExportTest; here the
   * two commands are only started together.
   */
  @Test
  void twoExportsAtOnceBothLandAsDistinctVersions() throws Exception {
    Path base = dir.resolve("concurrent");
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<String>> runs = new java.util.ArrayList<>();
      for (int i = 0; i < 2; i++) {
        runs.add(pool.submit(() -> {
          ByteArrayOutputStream log = new ByteArrayOutputStream();
          PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
          start.await();
          int status = new DelineoCli(Commands.all(), ps, ps).run(new String[] {"export", "--config",
              config.toString(), "--checkpoint", checkpoint.toString(), "--base", base.toString(), "--name", "tiny"});
          return status + " " + log.toString(StandardCharsets.UTF_8);
        }));
      }
      for (java.util.concurrent.Future<String> run : runs) {
        String result = run.get();
        assertTrue(result.startsWith("0 "), result);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of("1", "2"), listing(base.resolve("tiny")).stream().filter(p -> !p.contains("/")).toList());
    for (String v : List.of("1", "2")) {
      assertTrue(Files.isRegularFile(base.resolve("tiny/" + v + "/saved_model.pb")), "version " + v + " complete");
    }
    String modelsConfig = Files.readString(base.resolve("models.config"));
    assertTrue(modelsConfig.contains("versions: 1") && modelsConfig.contains("versions: 2"), modelsConfig);
  }

  private void assertMisfit(int status) {
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, status, stderr);
    assertEquals(1, stderr.lines().count(), stderr);
    assertTrue(stderr.contains(checkpoint.toString()), stderr);
    assertTrue(stderr.contains(WEIGHT), stderr);
    assertTrue(stderr.contains("out_conv.bias: expected [7] float32, found [5] float32"), stderr);
  }

  private static List<String> listing(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }
}
