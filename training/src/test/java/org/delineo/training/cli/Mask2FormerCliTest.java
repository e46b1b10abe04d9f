package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.Prediction;
import org.delineo.serving.Predictor;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny Mask2Former through the CLI on synthetic scenes: {@code train} (two-run matching steps)
 * with falling loss, a held-out {@code eval --split test} whose mIoU beats the constant
 * majority-class predictor (measured when written: 25.0 vs 13.1 after 240 steps on 96 scenes), {@code export}
 * and {@code predict} on the class scores; and PROVE's
 * {@code --aux-loss} refused with exit status 2, one line, and no run directory.
 */
class Mask2FormerCliTest {
  private static final int STEPS = 240;
  private static final Pattern MIOU = Pattern.compile("mIoU (\\d+\\.\\d+)");
  private static final Pattern LOSS = Pattern.compile("\"train/loss\":\\s*([0-9.eE+-]+)");
  private static final String MODEL = "model { mask2former { backbone { swin { embed_dims: 16 depths: [1, 1, 1, 1]"
      + " num_heads: [1, 2, 2, 4] window_size: 4 drop_path_rate: 0 } } feat_channels: 32 num_queries: 8"
      + " num_decoder_layers: 2 num_heads: 4 decoder_feedforward_channels: 64 encoder_layers: 1"
      + " encoder_feedforward_channels: 64 encoder_points: 2 norm_groups: 8 train_num_points: 256 } }\n";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @Test
  void tinyMask2FormerTrainsEvaluatesExportsAndPredicts(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("data");
    run("data", "synth", "--kind", "scenes2d", "--out", data.toString(), "--cases", "96", "--seed", "3");
    Path config = dir.resolve("m2f.pbtxt");
    Files.writeString(config, "name: \"m2f-tiny\"\n" + MODEL
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 4 num_workers: 1 }\n"
        + "optimizer { adamw {} lr: 0.001 weight_decay: 0.01 }\n"
        + "schedule { total_steps: " + STEPS + " warmup_steps: 0 }\n"
        + "eval { interval_steps: " + STEPS / 8 + " }\n"
        + "runtime { seed: 5 intra_op_threads: 2 inter_op_threads: 1 }\n");

    Path refused = dir.resolve("refused");
    err.reset();
    assertEquals(2, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", refused.toString(),
        "--aux-loss", "lovasz"}));
    String message = err.toString(StandardCharsets.UTF_8).strip();
    assertTrue(message.contains("loss.aux_loss") && !message.contains("\n"), message);
    assertFalse(Files.exists(refused), "a refused command writes nothing");
    // Its two-run matching step is neither replicated over towers nor over worker processes.
    for (String[] extra : new String[][] {{"--set", "runtime.replicas=2"},
        {"--cluster", "127.0.0.1:1,127.0.0.1:2", "--task-index", "0"}}) {
      err.reset();
      List<String> args = new ArrayList<>(List.of("train", "--config", config.toString(), "--workdir",
          refused.toString()));
      args.addAll(List.of(extra));
      assertEquals(2, cli.run(args.toArray(String[]::new)));
      String line = err.toString(StandardCharsets.UTF_8).strip();
      assertTrue(line.contains(extra[0].equals("--set") ? "runtime.replicas" : "--cluster")
          && line.contains("Mask2Former") && !line.contains("\n"), line);
      assertFalse(Files.exists(refused), "a refused command writes nothing");
    }

    Path workdir = dir.resolve("run");
    run("train", "--config", config.toString(), "--workdir", workdir.toString());
    List<Double> losses = new ArrayList<>();
    Matcher lm = LOSS.matcher(Files.readString(workdir.resolve("metrics.jsonl")));
    while (lm.find()) {
      losses.add(Double.parseDouble(lm.group(1)));
    }
    assertEquals(8, losses.size(), "train/loss at each of the 8 validations: " + losses);
    assertTrue(losses.get(6) + losses.get(7) < 0.8 * (losses.get(0) + losses.get(1)), "loss falls: " + losses);
    Path ckpt = workdir.resolve("checkpoints/ckpt-" + STEPS);

    ExperimentConfig parsed = ExperimentConfigLoader.load(config, List.of());
    SegmentationDataset dataset = DatasetFactory.open(parsed.getData());
    double constant = majorityClassMiou(dataset);
    double whole = evalMiou(config, ckpt);
    System.out.println("tiny mask2former: test mIoU " + whole + " vs constant predictor " + constant + ", train/loss "
        + losses);
    assertTrue(whole > constant + 3, "test mIoU " + whole + " vs constant predictor " + constant);

    Path base = dir.resolve("export");
    run("export", "--config", config.toString(), "--checkpoint", ckpt.toString(), "--base", base.toString(),
        "--name", "m2f");
    Path model = base.resolve("m2f/1");
    String id = dataset.ids(Split.TEST).get(0);
    Sample sample = dataset.load(id);
    try (Predictor predictor = Predictor.load(model)) {
      Prediction p = predictor.predict(sample.image(), sample.imageShape());
      Path predictions = dir.resolve("pred");
      run("predict", "--model", model.toString(), "--input", data.resolve("images/" + id + ".png").toString(),
          "--out", predictions.toString());
      assertArrayEquals(p.labels(), ImageReader.readLabels(predictions.resolve(id + "_labels.png")).labels());
    }
  }

  /** mIoU (%) of predicting the most frequent test class everywhere (see SegNeXtCliTest). */
  private static double majorityClassMiou(SegmentationDataset dataset) {
    long[] pixels = new long[dataset.numClasses()];
    long labelled = 0;
    for (String id : dataset.ids(Split.TEST)) {
      for (int label : dataset.load(id).label()) {
        if (label != 255) {
          pixels[label]++;
          labelled++;
        }
      }
    }
    long max = Arrays.stream(pixels).max().orElseThrow();
    long present = Arrays.stream(pixels).filter(p -> p > 0).count();
    return 100.0 * max / labelled / present;
  }

  private double evalMiou(Path config, Path ckpt) {
    out.reset();
    run("eval", "--config", config.toString(), "--checkpoint", ckpt.toString(), "--split", "test");
    Matcher m = MIOU.matcher(out.toString(StandardCharsets.UTF_8));
    assertTrue(m.find(), out.toString(StandardCharsets.UTF_8));
    return Double.parseDouble(m.group(1));
  }

  private void run(String... args) {
    assertEquals(0, cli.run(args), String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
  }
}
