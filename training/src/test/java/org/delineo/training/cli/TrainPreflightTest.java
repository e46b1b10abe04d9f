package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistakes caught before training starts (issue 17, item 4): a config value out of range names
 * its field in every command, damaged files fail {@code train} before the run directory exists
 * (all of them in one line), and a crop larger than the images says what its padding does.
 */
class TrainPreflightTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @TempDir
  Path dir;
  private Path data;
  private Path config;

  @BeforeEach
  void synth() throws IOException {
    data = dir.resolve("data");
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--cases", "16", "--seed", "1"}), stderr());
    config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 2 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n");
    out.reset();
    err.reset();
  }

  @Test
  void negativeBatchSizeNamesTheFieldInConfigAndTrain() {
    assertEquals(2, cli.run(new String[] {"config", "--config", config.toString(), "--set", "data.batch_size=-4"}));
    assertOneLineContaining("data.batch_size must be >= 1, found -4");
    err.reset();
    Path run = dir.resolve("run");
    assertEquals(2, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString(),
        "--set", "data.batch_size=-4"}));
    assertOneLineContaining("data.batch_size must be >= 1, found -4");
    assertFalse(Files.exists(run), "a failed train leaves no run directory");
  }

  @Test
  void damagedValidationFilesFailTrainBeforeAnythingIsWritten() throws IOException {
    SegmentationDataset dataset = DatasetFactory.open(ExperimentConfigLoader.load(config, List.of()).getData());
    List<String> val = dataset.ids(Split.VAL);
    assertTrue(val.size() >= 2, val.toString());
    Path garbage = data.resolve("images/" + val.get(0) + ".png");
    Files.write(garbage, "not an image at all".getBytes(StandardCharsets.US_ASCII));
    Path truncated = data.resolve("labels/" + val.get(1) + ".png");
    byte[] whole = Files.readAllBytes(truncated);
    Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));

    Path run = dir.resolve("run");
    assertEquals(2, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString()}));
    int files = 2 * (dataset.ids(Split.TRAIN).size() + val.size());
    String message = assertOneLineContaining("2 of " + files + " files are unusable: ");
    assertTrue(message.contains(garbage + ": not a PNG (bad signature"), message);
    assertTrue(message.contains(truncated + ": truncated PNG (no IEND chunk"), message);
    assertFalse(Files.exists(run), "no run directory after a failed check");
    assertFalse(out.toString(StandardCharsets.UTF_8).contains("step"), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void theCheckReadsTheValidationSplitFileTheConfigGives() throws IOException {
    SegmentationDataset dataset = DatasetFactory.open(ExperimentConfigLoader.load(config, List.of()).getData());
    List<String> test = dataset.ids(Split.TEST);
    assertFalse(test.isEmpty());
    // Damaged only in the standard test split, which training never reads ...
    Path garbage = data.resolve("images/" + test.get(0) + ".png");
    Files.write(garbage, "not an image at all".getBytes(StandardCharsets.US_ASCII));
    // ... until the split fields (relative to data.root) swap the validation and test cases.
    Files.writeString(data.resolve("held-out.txt"), String.join("\n", test) + "\n");
    Files.writeString(data.resolve("old-val.txt"), String.join("\n", dataset.ids(Split.VAL)) + "\n");

    Path run = dir.resolve("run");
    assertEquals(2, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString(),
        "--set", "data.val_split=held-out.txt", "--set", "data.test_split=old-val.txt"}));
    int files = 2 * (dataset.ids(Split.TRAIN).size() + test.size());
    String message = assertOneLineContaining("1 of " + files + " files is unusable: ");
    assertTrue(message.contains(garbage + ": not a PNG (bad signature"), message);
    assertFalse(Files.exists(run), "no run directory after a failed check");
  }

  @Test
  void deterministicWithoutTensorFlowsSwitchFailsBeforeAnythingIsWritten() {
    assumeTrue(System.getenv("TF_DETERMINISTIC_OPS") == null, "the test JVM must not have the switch set");
    Path run = dir.resolve("run");
    assertEquals(2, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString(),
        "--set", "runtime.deterministic=true"}));
    assertOneLineContaining("field 'runtime.deterministic': expected the environment variable"
        + " TF_DETERMINISTIC_OPS=1");
    assertFalse(Files.exists(run), "no run directory");
  }

  @Test
  void labelOfAnotherSizeIsReportedWithItsImage() throws IOException {
    SegmentationDataset dataset = DatasetFactory.open(ExperimentConfigLoader.load(config, List.of()).getData());
    String id = dataset.ids(Split.TRAIN).get(0);
    Path label = data.resolve("labels/" + id + ".png");
    Files.copy(writeSmallLabel(), label, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path run = dir.resolve("run");
    assertEquals(2, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString()}));
    int files = 2 * (dataset.ids(Split.TRAIN).size() + dataset.ids(Split.VAL).size());
    assertOneLineContaining("1 of " + files + " files is unusable: " + label + " is 64x60 (H x W), its image "
        + data.resolve("images/" + id + ".png") + " is 64x64 (H x W)");
    assertFalse(Files.exists(run));
  }

  @Test
  void goodDataPrintsTheCheckAndACropLargerThanTheImagesWarns() {
    SegmentationDataset dataset = DatasetFactory.open(ExperimentConfigLoader.load(config, List.of()).getData());
    int train = dataset.ids(Split.TRAIN).size();
    int cases = train + dataset.ids(Split.VAL).size();
    Path run = dir.resolve("run");
    // Scenes are 64x64: a 64x80 crop pads every training image along W.
    assertEquals(0, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString(),
        "--set", "data.crop_size=64,80"}), stderr());
    String printed = out.toString(StandardCharsets.UTF_8);
    // Training and validation cases, an image and a label each.
    assertTrue(printed.contains("checked " + 2 * cases + " files of " + cases + " cases in "), printed);
    assertTrue(printed.contains("warning: data.crop_size [64, 80] is larger than " + train + " of " + train
        + " training cases along"
        + " W (smallest 64 < 80); the crop pads the image with 0 (raw value, before mean/std normalisation)"
        + " and the label with 255 (data.ignore_index: ignored by losses and metrics)"), printed);
  }

  @Test
  void paddingWithALabelThatIsNotIgnoredIsAnError() {
    Path run = dir.resolve("run");
    assertEquals(2, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString(),
        "--set", "data.crop_size=64,80", "--set", "data.ignore_index=250"}));
    String message = assertOneLineContaining("data.crop_size [64, 80] is larger than");
    assertTrue(message.contains("not data.ignore_index (250)"), message);
    assertFalse(Files.exists(run));
  }

  /** A 64 x 60 (H x W) label map written by the project's writer. */
  private Path writeSmallLabel() {
    Path file = dir.resolve("small.png");
    org.delineo.training.data.io.ImageWriter.writeLabelsPng(file,
        new org.delineo.training.data.io.LabelMap(64, 60, new int[64 * 60]));
    return file;
  }

  private String assertOneLineContaining(String text) {
    String stderr = stderr().strip();
    assertFalse(stderr.contains("\n"), "one line on stderr: " + stderr);
    assertTrue(stderr.contains(text), stderr);
    return stderr;
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
