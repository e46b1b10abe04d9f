package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user's path through the CLI on real files: synth data, train, eval, export, models, ablations. */
class CliWorkflowTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @Test
  void synthTrainEvalExport(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("data");
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--cases", "8", "--seed", "1"}), err.toString(StandardCharsets.UTF_8));
    Path config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 2 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n");
    Path run = dir.resolve("run");
    assertEquals(0, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString(),
        "--ablate", "no-dice"}), err.toString(StandardCharsets.UTF_8));
    assertTrue(Files.exists(run.resolve("config.pbtxt")));
    String provenance = Files.readString(run.resolve("provenance.json"));
    assertTrue(provenance.contains("no-dice"), provenance);
    assertTrue(Files.readString(run.resolve("metrics.jsonl")).contains("val/mIoU"));
    Path ckpt = run.resolve("checkpoints/ckpt-2");
    assertTrue(Files.isDirectory(ckpt), "checkpoint written");

    assertEquals(0, cli.run(new String[] {"eval", "--config", config.toString(), "--checkpoint", ckpt.toString(),
        "--split", "test"}), err.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("mIoU"));

    Path base = dir.resolve("export");
    assertEquals(0, cli.run(new String[] {"export", "--config", config.toString(), "--checkpoint", ckpt.toString(),
        "--base", base.toString(), "--name", "tiny"}), err.toString(StandardCharsets.UTF_8));
    assertTrue(Files.exists(base.resolve("tiny/1/saved_model.pb")));
  }

  @Test
  void modelsAndAblationsAreListed() {
    assertEquals(0, cli.run(new String[] {"models", "--params"}));
    // 1,813,764 = UniMatch's UNet for 1 channel and 4 classes, counted by hand in UNet2dTest.
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("1,813,764"), out.toString(StandardCharsets.UTF_8));
    assertEquals(0, cli.run(new String[] {"ablations"}));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("no-dice"));
  }

  @Test
  void badInputsAreUsageErrors(@TempDir Path dir) {
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"data", "synth", "--kind", "scenes3d",
        "--out", dir.toString()}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("scenes2d"), err.toString(StandardCharsets.UTF_8));
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"train", "--config", dir.resolve("missing.pbtxt").toString()}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("missing.pbtxt"));
  }
}
