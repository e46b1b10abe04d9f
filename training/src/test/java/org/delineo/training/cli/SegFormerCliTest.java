package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.delineo.graph.Tensors;
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
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.types.TString;

/**
 * A tiny SegFormer (MiT of widths 8, 16, 32, 32, one block per stage, head width 16) through the
 * user's path: {@code data synth}, {@code train} with a falling loss, {@code eval --split test}
 * whose mIoU beats the constant majority-class predictor by a clear margin, {@code eval} with
 * sliding windows, {@code export} with its three signatures, and {@code predict} on the whole image
 * and with sliding windows, whose labels match the exported model's and {@code serving_bytes}'.
 *
 * <p>80 synthetic 64 × 64 scenes (56 train, 12 test), 600 AdamW steps of batch 4: measured test mIoU
 * 33.4 % whole and 29.2 % sliding (48 × 48 windows) against 12.8 % for the constant predictor; the
 * test asks for 10 points above it. About 35 s on 2 busy cores.
 */
class SegFormerCliTest {
  private static final int STEPS = 600;
  /** Percentage points of test mIoU above the constant predictor's. */
  private static final double MARGIN = 10;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @Test
  void tinySegFormerTrainsBeatsAConstantPredictorAndExports(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("data");
    run("data", "synth", "--kind", "scenes2d", "--out", data.toString(), "--cases", "80", "--seed", "3");
    Path config = dir.resolve("segformer.pbtxt");
    Files.writeString(config, "name: \"segformer-tiny\"\n"
        + "model { segformer { backbone { mit { embed_dims: [8, 16, 32, 32] num_layers: [1, 1, 1, 1]"
        + " num_heads: [1, 1, 2, 2] } } channels: 16 } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 4 num_workers: 1 }\n"
        + "optimizer { adamw {} lr: 0.005 weight_decay: 0.01 }\n"
        + "schedule { poly { power: 1.0 } total_steps: " + STEPS + " warmup_steps: 0 }\n"
        + "eval { interval_steps: " + STEPS + " }\n"
        + "runtime { seed: 1 log_interval_steps: 50 }\n");
    Path workdir = dir.resolve("run");
    String training = run("train", "--config", config.toString(), "--workdir", workdir.toString());
    List<Double> losses = new ArrayList<>();
    Matcher m = Pattern.compile("step \\d+/" + STEPS + " .*loss (\\d+\\.\\d+)").matcher(training);
    while (m.find()) {
      losses.add(Double.parseDouble(m.group(1)));
    }
    assertEquals(STEPS / 50, losses.size(), training);
    double first = (losses.get(0) + losses.get(1)) / 2;
    double last = (losses.get(losses.size() - 1) + losses.get(losses.size() - 2)) / 2;
    System.out.println("segformer tiny: losses every 50 steps " + losses);
    // Single-batch losses are noisy: the mean of the last two logged ones against the first two.
    assertTrue(last < 0.8 * first, "loss falls by a fifth: " + losses);
    Path ckpt = workdir.resolve("checkpoints/ckpt-" + STEPS);

    ExperimentConfig parsed = ExperimentConfigLoader.load(config, List.of());
    SegmentationDataset dataset = DatasetFactory.open(parsed.getData());
    double constant = majorityPredictorMeanIoU(dataset);
    double whole = testMeanIoU(config, ckpt);
    double slid = testMeanIoU(config, ckpt, "--set", "eval.mode=SLIDE", "--set", "eval.window=48,48",
        "--set", "eval.stride=16,16");
    System.out.printf("segformer tiny: test mIoU %.2f (whole), %.2f (slide), constant predictor %.2f%n",
        whole, slid, constant);
    assertTrue(whole >= constant + MARGIN, "whole-image mIoU " + whole + " vs constant " + constant);
    assertTrue(slid >= constant + MARGIN, "sliding-window mIoU " + slid + " vs constant " + constant);

    Path base = dir.resolve("export");
    run("export", "--config", config.toString(), "--checkpoint", ckpt.toString(), "--base", base.toString(),
        "--name", "segformer");
    Path version = base.resolve("segformer/1");
    try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve")) {
      var sigs = bundle.metaGraphDef().getSignatureDefMap();
      assertEquals(java.util.Set.of("serving_default", "predict_logits", "serving_bytes"), sigs.keySet());
      assertEquals("DT_STRING", sigs.get("serving_bytes").getInputsOrThrow("image_bytes").getDtype().name());
      assertEquals("DT_INT32", sigs.get("serving_bytes").getOutputsOrThrow("labels").getDtype().name());
    }

    String id = dataset.ids(Split.TEST).get(0);
    String other = dataset.ids(Split.TEST).get(1);
    Path png = data.resolve("images/" + id + ".png");
    try (Predictor predictor = Predictor.load(version)) {
      Sample s = dataset.load(id);
      Sample t = dataset.load(other);
      Prediction p = predictor.predict(s.image(), s.imageShape());
      Prediction q = predictor.predict(t.image(), t.imageShape());
      Path wholeOut = dir.resolve("pred");
      run("predict", "--model", version.toString(), "--input", png.toString(), "--out", wholeOut.toString());
      assertArrayEquals(p.labels(), ImageReader.readLabels(wholeOut.resolve(id + "_labels.png")).labels());
      Path windows = dir.resolve("pred-slide");
      run("predict", "--model", version.toString(), "--input", png.toString(), "--out", windows.toString(),
          "--window", "32,32", "--overlap", "0.5");
      int[] slidLabels = ImageReader.readLabels(windows.resolve(id + "_labels.png")).labels();
      assertEquals(p.labels().length, slidLabels.length);
      int agree = 0;
      for (int i = 0; i < slidLabels.length; i++) {
        agree += slidLabels[i] == p.labels()[i] ? 1 : 0;
      }
      System.out.printf("segformer tiny: sliding-window labels agree with whole-image ones on %.1f%%%n",
          100.0 * agree / slidLabels.length);

      // serving_bytes: two PNG files in, the float path's labels out.
      byte[] a = Files.readAllBytes(png);
      byte[] b = Files.readAllBytes(data.resolve("images/" + other + ".png"));
      try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve");
          TString in = TString.tensorOfBytes(NdArrays.vectorOfObjects(a, b));
          Result r = bundle.function("serving_bytes").call(Map.of("image_bytes", in))) {
        int[] both = Tensors.toInts(r.get("labels").orElseThrow());
        int n = p.labels().length;
        assertArrayEquals(p.labels(), java.util.Arrays.copyOfRange(both, 0, n));
        assertArrayEquals(q.labels(), java.util.Arrays.copyOfRange(both, n, 2 * n));
      }
    }
  }

  /** Runs the CLI, expecting success; returns what it printed. */
  private String run(String... args) {
    out.reset();
    assertEquals(0, cli.run(args), err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The "mIoU X" of {@code eval --split test}, in percent. */
  private double testMeanIoU(Path config, Path ckpt, String... extra) {
    List<String> args = new ArrayList<>(List.of("eval", "--config", config.toString(), "--checkpoint",
        ckpt.toString(), "--split", "test"));
    args.addAll(List.of(extra));
    String table = run(args.toArray(String[]::new));
    Matcher m = Pattern.compile("mIoU (\\d+\\.\\d+)").matcher(table);
    assertTrue(m.find(), table);
    return Double.parseDouble(m.group(1));
  }

  /**
   * The test mIoU (percent) of predicting the training split's most frequent class everywhere,
   * counted by hand: that class's IoU is its share of the counted (non-ignored) test pixels, every
   * other class present in the test labels has IoU 0, classes absent from both are left out.
   */
  private static double majorityPredictorMeanIoU(SegmentationDataset dataset) {
    int classes = dataset.numClasses();
    long[] train = new long[classes];
    for (String id : dataset.ids(Split.TRAIN)) {
      for (int label : dataset.load(id).label()) {
        if (label >= 0 && label < classes) {
          train[label]++;
        }
      }
    }
    int majority = 0;
    for (int c = 1; c < classes; c++) {
      majority = train[c] > train[majority] ? c : majority;
    }
    long[] test = new long[classes];
    long counted = 0;
    for (String id : dataset.ids(Split.TEST)) {
      for (int label : dataset.load(id).label()) {
        if (label >= 0 && label < classes) {
          test[label]++;
          counted++;
        }
      }
    }
    int present = 0;
    for (int c = 0; c < classes; c++) {
      present += test[c] > 0 || c == majority ? 1 : 0;
    }
    return 100.0 * test[majority] / counted / present;
  }
}
