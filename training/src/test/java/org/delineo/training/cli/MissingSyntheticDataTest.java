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
 * A synthetic config whose data folder is missing fails {@code train} with one line naming the
 * exact {@code delineo data synth} command (issue 13, docs: every synthetic config runs from its
 * header), and that command, run as printed, writes data {@code train} then trains on.
 */
class MissingSyntheticDataTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @TempDir
  Path dir;

  @Test
  void eachSyntheticLayoutNamesTheCommandOfItsConfigsHeader() throws IOException {
    // Kind, case count and seed as the shipped configs' headers state them (their figures were
    // measured on exactly that data).
    assertNamesCommand("SYNTHETIC_SCENES2D", "scenes2d", "--cases 300 --seed 7");
    assertNamesCommand("SYNTHETIC_BRATS3D", "brats3d", "--cases 40 --seed 0");
    assertNamesCommand("SYNTHETIC_MEDICAL2D", "medical2d", "--cases 60 --seed 1");
  }

  @Test
  void anEmptyDataFolderIsTreatedAsMissing() throws IOException {
    Path root = Files.createDirectories(dir.resolve("empty"));
    Path run = dir.resolve("run");
    assertEquals(2, cli.run(new String[] {"train", "--config", config("SYNTHETIC_SCENES2D", root).toString(),
        "--workdir", run.toString()}));
    assertEquals("delineo train: data.root " + root + " is an empty folder; write the synthetic data first:"
        + " ./delineo data synth --kind scenes2d --out " + root + " --cases 300 --seed 7", stderr().strip());
    assertFalse(Files.exists(run));
  }

  @Test
  void theNamedCommandRunAsPrintedWritesWhatTrainNeeds() throws IOException {
    Path root = dir.resolve("scenes");
    Path config = config("SYNTHETIC_SCENES2D", root);
    Path run = dir.resolve("run");
    String[] train = {"train", "--config", config.toString(), "--workdir", run.toString()};
    assertEquals(2, cli.run(train));
    String line = stderr().strip();
    String command = line.substring(line.indexOf("./delineo ") + "./delineo ".length());

    err.reset();
    assertEquals(0, cli.run(command.split(" ")), stderr());
    assertTrue(Files.isRegularFile(root.resolve("dataset.txt")), "the command wrote a dataset");
    assertEquals(0, cli.run(train), stderr());
    assertTrue(Files.isDirectory(run.resolve("checkpoints/ckpt-2")), "train ran to its last step");
  }

  @Test
  void aMissingRealDatasetKeepsTheReadersMessage() throws IOException {
    Path root = dir.resolve("cityscapes");
    assertEquals(2, cli.run(new String[] {"train", "--config", config("CITYSCAPES", root).toString(),
        "--workdir", dir.resolve("run").toString()}));
    String message = stderr();
    assertTrue(message.contains(root.toString()) && !message.contains("data synth"), message);
  }

  private void assertNamesCommand(String layout, String kind, String casesAndSeed) throws IOException {
    Path root = dir.resolve("absent-" + kind);
    Path run = dir.resolve("run-" + kind);
    err.reset();
    assertEquals(2, cli.run(new String[] {"train", "--config", config(layout, root).toString(),
        "--workdir", run.toString()}));
    assertEquals("delineo train: data.root " + root + " does not exist; write the synthetic data first:"
        + " ./delineo data synth --kind " + kind + " --out " + root + " " + casesAndSeed, stderr().strip());
    assertFalse(Files.exists(run), "a failed train leaves no run directory");
    assertFalse(Files.exists(root), "train does not write the data itself");
  }

  /** A tiny UNet config on {@code layout} reading {@code root}. */
  private Path config(String layout, Path root) throws IOException {
    Path file = dir.resolve(layout.toLowerCase() + "-" + root.getFileName() + ".pbtxt");
    Files.writeString(file, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: " + layout + " root: \"" + root + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 2 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n");
    return file;
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
