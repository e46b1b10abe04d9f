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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delineo train} with data-parallel towers on two virtual CPU devices, in process: it trains,
 * checkpoints, resumes and exports as a one-device run does; tower mistakes fail before anything is
 * written, in one line naming the field.
 */
class TowersCliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @TempDir Path dir;
  private Path config;

  @BeforeEach
  void tinyConfig() throws IOException {
    Path data = dir.resolve("data");
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--size", "16,16", "--cases", "8", "--seed", "1"}), err());
    config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } norm: SYNC_BATCH }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 4 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n"
        + "runtime { log_interval_steps: 1 }\n");
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private String lastLine() {
    String[] lines = err().strip().split("\n");
    return lines[lines.length - 1];
  }

  @Test
  void twoTowersTrainCheckpointResumeAndExport() throws IOException {
    Path run = dir.resolve("run");
    assertEquals(0, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString(),
        "--set", "runtime.replicas=2", "--set", "schedule.total_steps=2"}), err());
    assertTrue(Files.isDirectory(run.resolve("checkpoints/ckpt-2")), "checkpoint at step 2");
    assertTrue(Files.readString(run.resolve("config.pbtxt")).contains("replicas: 2"));

    // The file's total_steps (4) is a harmless change; the towers come from the recorded config.
    assertEquals(0, cli.run(new String[] {"train", "--resume", "--workdir", run.toString(), "--config",
        config.toString(), "--set", "runtime.replicas=2", "--force"}), err());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("resumed from"), out.toString(StandardCharsets.UTF_8));
    Path last = run.resolve("checkpoints/ckpt-4");
    assertTrue(Files.isDirectory(last), "checkpoint at step 4");
    String metrics = Files.readString(run.resolve("metrics.jsonl"));
    assertTrue(metrics.contains("\"step\":4") && metrics.contains("val/mIoU"), metrics);

    // One set of variables: export and eval read the checkpoint as any other.
    Path base = dir.resolve("export");
    assertEquals(0, cli.run(new String[] {"export", "--config", run.resolve("config.pbtxt").toString(),
        "--checkpoint", last.toString(), "--base", base.toString(), "--name", "tiny"}), err());
    assertTrue(Files.exists(base.resolve("tiny/1/saved_model.pb")));
    assertEquals(0, cli.run(new String[] {"eval", "--config", run.resolve("config.pbtxt").toString(),
        "--checkpoint", last.toString(), "--split", "test"}), err());
  }

  @Test
  void towerMistakesFailInOneLineNamingTheFieldAndWriteNothing() {
    Path run = dir.resolve("bad");
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"train", "--config", config.toString(),
        "--workdir", run.toString(), "--set", "runtime.replicas=2", "--set", "data.batch_size=3"}));
    assertTrue(lastLine().contains("field 'data.batch_size': expected a multiple of 2") && lastLine().contains("found 3"),
        err());
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"train", "--config", config.toString(),
        "--workdir", run.toString(), "--set", "runtime.replica_devices=/device:CPU:0,/device:TPU:1"}));
    assertTrue(lastLine().contains("field 'runtime.replica_devices[1]'") && lastLine().contains("/device:TPU:1"),
        err());
    // A well-formed GPU device that this machine (CPU natives) lacks is refused before the run starts.
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"train", "--config", config.toString(),
        "--workdir", run.toString(), "--set", "runtime.replica_devices=/device:GPU:0,/device:GPU:1"}));
    assertTrue(lastLine().contains("field 'runtime.replica_devices[1]': expected a GPU TensorFlow sees"), err());
    assertEquals(3, err().strip().split("\n").length, "one line per failure: " + err());
    assertFalse(Files.exists(run), "no run directory");
  }
}
