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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the config says files go: {@code runtime.run_dir} is the run directory of {@code train}
 * (fresh and {@code --resume}) when {@code --workdir} is not given, and {@code export.base_dir} /
 * {@code export.model_name} (else the experiment's name) place an export when {@code --base} /
 * {@code --name} are not given; the options still win.
 */
class ConfiguredPathsTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @TempDir Path dir;

  @Test
  void runDirAndExportFieldsPlaceTheFilesWhenNoOptionDoes() throws IOException {
    Path data = dir.resolve("data");
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--cases", "8", "--seed", "1"}), stderr());
    Path runDir = dir.resolve("my-run");
    Path exports = dir.resolve("served");
    Path config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 2 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n"
        + "export { base_dir: \"" + exports + "\" warmup_requests: 0 }\n"
        + "runtime { run_dir: \"" + runDir + "\" }\n");

    assertEquals(0, cli.run(new String[] {"train", "--config", config.toString()}), stderr());
    assertTrue(Files.isRegularFile(runDir.resolve("config.pbtxt")), "the run went to runtime.run_dir");
    assertTrue(Files.isDirectory(runDir.resolve("checkpoints/ckpt-2")));

    // A second fresh run there would overwrite its checkpoints: refused, as with --workdir.
    err.reset();
    assertEquals(2, cli.run(new String[] {"train", "--config", config.toString()}));
    assertTrue(stderr().contains("run directory " + runDir + " already holds a run with checkpoints"), stderr());

    // --resume without --workdir continues runtime.run_dir of --config.
    err.reset();
    assertEquals(0, cli.run(new String[] {"train", "--config", config.toString(), "--resume", "--force",
        "--set", "schedule.total_steps=3"}), stderr());
    assertTrue(Files.isDirectory(runDir.resolve("checkpoints/ckpt-3")), "resumed in runtime.run_dir");

    Path ckpt = runDir.resolve("checkpoints/ckpt-3");
    assertEquals(0, cli.run(new String[] {"export", "--config", config.toString(), "--checkpoint", ckpt.toString()}),
        stderr());
    assertTrue(Files.isRegularFile(exports.resolve("tiny/1/saved_model.pb")), "export.base_dir / the config's name");
    assertEquals(0, cli.run(new String[] {"export", "--config", config.toString(), "--checkpoint", ckpt.toString(),
        "--set", "export.model_name=seg"}), stderr());
    assertTrue(Files.isRegularFile(exports.resolve("seg/1/saved_model.pb")), "export.model_name");
    Path other = dir.resolve("elsewhere");
    assertEquals(0, cli.run(new String[] {"export", "--config", config.toString(), "--checkpoint", ckpt.toString(),
        "--base", other.toString(), "--name", "opt"}), stderr());
    assertTrue(Files.isRegularFile(other.resolve("opt/1/saved_model.pb")), "--base / --name win");
    assertFalse(Files.exists(exports.resolve("opt")));
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
