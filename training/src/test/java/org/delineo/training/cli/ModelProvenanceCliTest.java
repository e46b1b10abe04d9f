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
import java.util.Map;
import java.util.stream.Stream;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.Prediction;
import org.delineo.serving.Predictor;
import org.delineo.graph.io.JsonReader;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provenance travels with the model: a checkpoint carries its resolved config and provenance, so
 * {@code export} and {@code eval} need no {@code --config}; a SavedModel carries them in
 * {@code assets.extra/delineo}, and {@code info --model} prints them. One tiny run (2 steps) is
 * trained with a {@code --set} override and shared by the tests.
 */
class ModelProvenanceCliTest {
  /** The training override: not in the file, so only a config stored with the checkpoint knows it. */
  private static final String OVERRIDE = "optimizer.lr=0.02";

  @TempDir static Path dir;
  private static Path config;
  private static Path ckpt;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeAll
  static void trainTinyRun() throws IOException {
    Path data = dir.resolve("data");
    cli(new ByteArrayOutputStream(), "data", "synth", "--kind", "scenes2d", "--out", data.toString(), "--cases", "8",
        "--seed", "1");
    config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 2 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n");
    Path run = dir.resolve("run");
    cli(new ByteArrayOutputStream(), "train", "--config", config.toString(), "--set", OVERRIDE, "--workdir",
        run.toString());
    ckpt = run.resolve("checkpoints/ckpt-2");
  }

  /** Runs the CLI in-process, failing the test unless it exits 0. */
  private static void cli(ByteArrayOutputStream out, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new DelineoCli(Commands.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    assertEquals(0, code, String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
  }

  private int run(String... args) {
    return new DelineoCli(Commands.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
  }

  /** The config training used: the file with the override applied and every default explicit. */
  private static ExperimentConfig trainingConfig() {
    return ExperimentConfigLoader.withExplicitDefaults(ExperimentConfigLoader.load(config, List.of(OVERRIDE)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(Path file) throws IOException {
    return (Map<String, Object>) JsonReader.parse(Files.readString(file));
  }

  @Test
  void theCheckpointCarriesItsConfigAndProvenance() throws IOException {
    ExperimentConfig stored = ExperimentConfigLoader.parse(Files.readString(ckpt.resolve("config.pbtxt")), "stored");
    assertEquals(0.02f, stored.getOptimizer().getLr(), "the --set override is in the stored config");
    assertEquals(trainingConfig(), stored);
    Map<String, Object> provenance = json(ckpt.resolve("provenance.json"));
    assertEquals("unet", provenance.get("model"));
    assertEquals(2L, provenance.get("checkpoint_step"));
    assertEquals(dir.resolve("run").toAbsolutePath().toString(), provenance.get("run_dir"));
    assertEquals("SYNTHETIC_SCENES2D", ((Map<?, ?>) provenance.get("data")).get("layout"));
    assertEquals(List.of(), ((Map<?, ?>) provenance.get("training")).get("ablations"));
  }

  @Test
  void exportFromTheCheckpointAlonePredictsAsExportWithConfigAndCarriesTheRecord() throws IOException {
    Path withConfig = dir.resolve("export-with-config");
    Path alone = dir.resolve("export-alone");
    // The file differs from the stored config in optimizer.lr: not a graph field, so it is accepted.
    assertEquals(0, run("export", "--config", config.toString(), "--checkpoint", ckpt.toString(), "--base",
        withConfig.toString(), "--name", "tiny"), err.toString(StandardCharsets.UTF_8));
    assertEquals(0, run("export", "--checkpoint", ckpt.toString(), "--base", alone.toString(), "--name", "tiny"),
        err.toString(StandardCharsets.UTF_8));

    SegmentationDataset dataset = DatasetFactory.open(trainingConfig().getData());
    Sample sample = dataset.load(dataset.ids(Split.TEST).get(0));
    try (Predictor a = Predictor.load(withConfig.resolve("tiny/1")); Predictor b = Predictor.load(alone.resolve("tiny/1"))) {
      Prediction pa = a.predict(sample.image(), sample.imageShape());
      Prediction pb = b.predict(sample.image(), sample.imageShape());
      assertEquals(pa.probabilities().length, pb.probabilities().length);
      for (int i = 0; i < pa.probabilities().length; i++) {
        assertEquals(pa.probabilities()[i], pb.probabilities()[i], 0f, "probability " + i);
      }
    }

    Path record = alone.resolve("tiny/1/assets.extra/delineo");
    assertEquals(trainingConfig(),
        ExperimentConfigLoader.parse(Files.readString(record.resolve("config.pbtxt")), "exported"));
    Map<String, Object> provenance = json(record.resolve("provenance.json"));
    assertEquals("unet", provenance.get("model"));
    assertEquals(2L, provenance.get("checkpoint_step"));
    assertEquals("tiny", provenance.get("model_name"));
    assertEquals(ckpt.toAbsolutePath().toString(), provenance.get("exported_from"));
    assertTrue(Files.isRegularFile(withConfig.resolve("tiny/1/assets.extra/delineo/provenance.json")));
  }

  @Test
  void evalWithoutConfigUsesTheStoredOne() {
    assertEquals(0, run("eval", "--config", config.toString(), "--checkpoint", ckpt.toString(), "--split", "test"),
        err.toString(StandardCharsets.UTF_8));
    String withConfig = out.toString(StandardCharsets.UTF_8);
    out.reset();
    assertEquals(0, run("eval", "--checkpoint", ckpt.toString(), "--split", "test"),
        err.toString(StandardCharsets.UTF_8));
    assertTrue(withConfig.contains("mIoU"), withConfig);
    assertEquals(withConfig, out.toString(StandardCharsets.UTF_8), "the same model on the same data");
  }

  @Test
  void aConfigThatChangesTheGraphIsRefusedWithNothingWritten() throws IOException {
    Path wider = dir.resolve("wider.pbtxt");
    Files.writeString(wider, Files.readString(config).replace("[4, 8, 16, 32, 64]", "[8, 16, 32, 64, 128]"));
    Path base = dir.resolve("export-refused");
    assertEquals(2, run("export", "--config", wider.toString(), "--checkpoint", ckpt.toString(), "--base",
        base.toString(), "--name", "tiny"));
    String message = err.toString(StandardCharsets.UTF_8).strip();
    assertFalse(message.contains("\n"), "one line: " + message);
    assertTrue(message.contains("model.unet.channels") && message.contains("[4, 8, 16, 32, 64]"), message);
    assertFalse(Files.exists(base), "nothing written");

    err.reset();
    assertEquals(2, run("eval", "--config", wider.toString(), "--checkpoint", ckpt.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("model.unet.channels"), err.toString(StandardCharsets.UTF_8));

    err.reset();
    assertEquals(2, run("export", "--checkpoint", ckpt.toString(), "--set", "data.mean=[1, 2, 3]", "--base",
        base.toString(), "--name", "tiny"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("data.mean"), err.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(base), "nothing written");
  }

  @Test
  void aCheckpointWithoutStoredConfigAsksForConfig() throws IOException {
    Path old = Files.createDirectories(dir.resolve("old/checkpoints/ckpt-2"));
    try (Stream<Path> files = Files.list(ckpt)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (!name.equals("config.pbtxt") && !name.equals("provenance.json")) {
          Files.copy(f, old.resolve(name));
        }
      }
    }
    Path base = dir.resolve("export-old");
    assertEquals(2, run("export", "--checkpoint", old.toString(), "--base", base.toString(), "--name", "tiny"));
    String message = err.toString(StandardCharsets.UTF_8).strip();
    assertFalse(message.contains("\n"), "one line: " + message);
    assertTrue(message.contains("--config") && message.contains(old.toString()), message);
    assertFalse(Files.exists(base), "nothing written");

    err.reset();
    assertEquals(0, run("export", "--config", config.toString(), "--checkpoint", old.toString(), "--base",
        base.toString(), "--name", "tiny"), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void infoSaysWhatAnExportedModelIs() throws IOException {
    Path base = dir.resolve("export-info");
    assertEquals(0, run("export", "--checkpoint", ckpt.toString(), "--base", base.toString(), "--name", "tiny"),
        err.toString(StandardCharsets.UTF_8));
    out.reset();
    assertEquals(0, run("info", "--model", base.resolve("tiny/1").toString()), err.toString(StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("\"model\": \"unet\"") && text.contains("\"checkpoint_step\": 2"), text);
    assertTrue(text.contains("unet {") && text.contains("channels: 64") && text.contains("lr: 0.02"), text);
  }
}
