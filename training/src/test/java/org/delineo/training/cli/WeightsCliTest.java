package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.Predictor;
import org.delineo.training.checkpoint.BundleReader;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.checkpoint.InitCheckpoint;
import org.delineo.training.checkpoint.WeightArray;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyWriter;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.eval.InferenceGraph;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;

/**
 * {@code eval} and {@code export} accept a PyTorch-layout state dict ({@code --weights FILE}, or
 * {@code --checkpoint FILE.npz}) instead of a checkpoint: a state dict written from a trained
 * checkpoint's variables (transposed to PyTorch's layouts here) evaluates and exports exactly as
 * that checkpoint does.
 */
class WeightsCliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @Test
  void stateDictOfACheckpointEvaluatesAndExportsAsTheCheckpoint(@TempDir Path dir) throws IOException {
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
    assertEquals(0, cli.run(new String[] {"train", "--config", config.toString(), "--workdir", run.toString()}),
        err.toString(StandardCharsets.UTF_8));
    Path ckpt = run.resolve("checkpoints/ckpt-2");
    Path weights = dir.resolve("tiny.npz");
    int variables = writeStateDict(ExperimentConfigLoader.load(config, List.of()), ckpt, weights);
    // The load report names the file and counts every model variable written into it, once.
    String report = "init_checkpoint " + weights + ": loaded " + variables + " variables";

    String fromCheckpoint = evalTable(config, "--checkpoint", ckpt);
    String fromWeights = evalTable(config, "--weights", weights);
    assertTrue(fromCheckpoint.contains("mIoU"), fromCheckpoint);
    assertFalse(fromCheckpoint.contains("init_checkpoint"), "a checkpoint directory has no load report");
    assertEquals(1, occurrences(fromWeights, report), fromWeights);
    assertEquals(fromCheckpoint, withoutReport(fromWeights), "same weights, same metrics");
    assertEquals(fromCheckpoint, withoutReport(evalTable(config, "--checkpoint", weights)),
        "--checkpoint FILE.npz reads weights");

    Path base = dir.resolve("export");
    assertEquals(0, cli.run(new String[] {"export", "--config", config.toString(), "--checkpoint", ckpt.toString(),
        "--base", base.toString(), "--name", "ckpt"}), err.toString(StandardCharsets.UTF_8));
    out.reset();
    assertEquals(0, cli.run(new String[] {"export", "--config", config.toString(), "--weights", weights.toString(),
        "--base", base.toString(), "--name", "weights"}), err.toString(StandardCharsets.UTF_8));
    assertEquals(1, occurrences(out.toString(StandardCharsets.UTF_8), report), out.toString(StandardCharsets.UTF_8));
    SegmentationDataset dataset = DatasetFactory.open(ExperimentConfigLoader.load(config, List.of()).getData());
    Sample s = dataset.load(dataset.ids(Split.TEST).get(0));
    try (Predictor a = Predictor.load(base.resolve("ckpt/1")); Predictor b = Predictor.load(base.resolve("weights/1"))) {
      assertArrayEquals(a.predict(s.image(), s.imageShape()).probabilities(),
          b.predict(s.image(), s.imageShape()).probabilities(), 0f, "exported from the same weights");
    }
  }

  @Test
  void exactlyOneWeightSourceAndOnlyStateDictFiles(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + dir + "\" }\n");
    Path pth = Files.writeString(dir.resolve("model.pth"), "x");
    Path base = dir.resolve("export");
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"export", "--config", config.toString(),
        "--base", base.toString(), "--name", "m"}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--checkpoint DIR and --weights FILE, found neither"),
        err.toString(StandardCharsets.UTF_8));
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"export", "--config", config.toString(),
        "--weights", pth.toString(), "--base", base.toString(), "--name", "m"}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--weights: expected a .npz or .safetensors"),
        err.toString(StandardCharsets.UTF_8));
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"eval", "--config", config.toString(),
        "--weights", dir.resolve("absent.npz").toString()}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("absent.npz not found"),
        err.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(base), "a failed export writes nothing");
  }

  private static int occurrences(String text, String part) {
    return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
  }

  /** The output without the state dict's load report (its first line and the indented lines after it). */
  private static String withoutReport(String output) {
    return output.replaceAll("(?m)^init_checkpoint .*\\R(  .*\\R)*", "");
  }

  /** The eval output after its first line (which names nothing of the weights' source). */
  private String evalTable(Path config, String option, Path source) {
    out.reset();
    assertEquals(0, cli.run(new String[] {"eval", "--config", config.toString(), option, source.toString(),
        "--split", "test"}), err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * The checkpoint's model variables as a PyTorch state dict: conv kernels HWIO → OIHW, matrices
   * [in, out] → [out, in], by explicit index loops; returns how many variables it holds.
   */
  private static int writeStateDict(ExperimentConfig config, Path ckpt, Path file) throws IOException {
    List<String> names;
    try (Graph g = new Graph()) {
      InferenceGraph.build(GraphContext.create(g, Mode.EVAL, 0), Experiment.create(config, List.of()).model(
          DatasetFactory.open(config.getData()).numClasses(), 3), InputNormalization.of(config.getData(), 3), 2, 3,
          "image");
      names = List.copyOf(InitCheckpoint.modelVariables(g).keySet());
    }
    Map<String, WeightArray> arrays = BundleReader.read(ckpt.resolve(CheckpointManager.VARIABLES_PREFIX), names);
    assertEquals(names.size(), arrays.size(), "every model variable is in the checkpoint");
    Path npy = file.resolveSibling("entry.npy");
    try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, WeightArray> e : arrays.entrySet()) {
        NpyWriter.write(npy, torchLayout(e.getValue()));
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        zip.write(Files.readAllBytes(npy));
        zip.closeEntry();
      }
    }
    Files.delete(npy);
    return names.size();
  }

  private static NpyArray torchLayout(WeightArray a) {
    long[] s = a.shape();
    float[] v = a.values();
    if (s.length == 4) {
      int kh = (int) s[0], kw = (int) s[1], in = (int) s[2], o = (int) s[3];
      float[] t = new float[v.length];
      for (int h = 0; h < kh; h++) {
        for (int w = 0; w < kw; w++) {
          for (int i = 0; i < in; i++) {
            for (int c = 0; c < o; c++) {
              t[((c * in + i) * kh + h) * kw + w] = v[((h * kw + w) * in + i) * o + c];
            }
          }
        }
      }
      return NpyArray.ofFloats(t, o, in, kh, kw);
    }
    if (s.length == 2) {
      int in = (int) s[0], o = (int) s[1];
      float[] t = new float[v.length];
      for (int i = 0; i < in; i++) {
        for (int c = 0; c < o; c++) {
          t[c * in + i] = v[i * o + c];
        }
      }
      return NpyArray.ofFloats(t, o, in);
    }
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = (int) s[i];
    }
    return NpyArray.ofFloats(v, shape);
  }
}
