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
import java.util.List;
import java.util.Map;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.types.TString;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.Prediction;
import org.delineo.serving.Predictor;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.eval.InferenceGraph;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.wiring.Experiment;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
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
    assertTrue(Files.exists(base.resolve("tiny/1/assets.extra/tf_serving_warmup_requests")));
    String modelsConfig = Files.readString(base.resolve("models.config"));
    assertTrue(modelsConfig.contains("name: \"tiny\"") && modelsConfig.contains("latest")
        && modelsConfig.contains("key: \"stable\"") && modelsConfig.contains("value: 1"), modelsConfig);
    assertTrue(Files.exists(base.resolve("batching_parameters.txt")));
    try (SavedModelBundle bundle = SavedModelBundle.load(base.resolve("tiny/1").toString(), "serve")) {
      List<String> keys = bundle.signatures().stream().map(Signature::key).toList();
      assertTrue(keys.contains("serving_default") && keys.contains("predict_logits"), keys.toString());
      // Keys, dtypes and shapes of every signature a 2D export has (dynamic size: -1 spatially).
      long k = DatasetFactory.open(ExperimentConfigLoader.load(config, List.of()).getData()).numClasses();
      var sigs = bundle.metaGraphDef().getSignatureDefMap();
      assertEquals(java.util.Set.of("serving_default", "predict_logits", "serving_bytes"), sigs.keySet());
      assertEquals(Map.of("image", "DT_FLOAT [-1, -1, -1, 3]"), describe(sigs.get("serving_default").getInputsMap()));
      assertEquals(Map.of("probabilities", "DT_FLOAT [-1, -1, -1, " + k + "]", "labels", "DT_INT32 [-1, -1, -1]",
          "mask_png_bytes", "DT_STRING [-1]"), describe(sigs.get("serving_default").getOutputsMap()));
      assertEquals(Map.of("image", "DT_FLOAT [-1, -1, -1, 3]"), describe(sigs.get("predict_logits").getInputsMap()));
      assertEquals(Map.of("logits", "DT_FLOAT [-1, -1, -1, " + k + "]"),
          describe(sigs.get("predict_logits").getOutputsMap()));
      assertEquals(Map.of("image_bytes", "DT_STRING [-1]"), describe(sigs.get("serving_bytes").getInputsMap()));
      assertEquals(Map.of("probabilities", "DT_FLOAT [-1, -1, -1, " + k + "]", "labels", "DT_INT32 [-1, -1, -1]",
          "mask_png_bytes", "DT_STRING [-1]"), describe(sigs.get("serving_bytes").getOutputsMap()));
    }

    // The exported model predicts what the EVAL graph restored from the checkpoint predicts.
    ExperimentConfig parsed = ExperimentConfigLoader.load(config, List.of());
    SegmentationDataset dataset = DatasetFactory.open(parsed.getData());
    String id = dataset.ids(Split.TEST).get(0);
    Sample sample = dataset.load(id);
    float[] evalProbabilities = evalProbabilities(parsed, dataset, ckpt, sample);
    try (Predictor predictor = Predictor.load(base.resolve("tiny/1"))) {
      Prediction p = predictor.predict(sample.image(), sample.imageShape());
      assertEquals(evalProbabilities.length, p.probabilities().length);
      for (int i = 0; i < evalProbabilities.length; i++) {
        assertEquals(evalProbabilities[i], p.probabilities()[i], 1e-5, "probability " + i);
      }
      Path outDir = dir.resolve("pred");
      assertEquals(0, cli.run(new String[] {"predict", "--model", base.resolve("tiny/1").toString(), "--input",
          data.resolve("images/" + id + ".png").toString(), "--out", outDir.toString()}),
          err.toString(StandardCharsets.UTF_8));
      assertArrayEquals(p.labels(), ImageReader.readLabels(outDir.resolve(id + "_labels.png")).labels());
      assertTrue(Files.exists(outDir.resolve(id + "_overlay.png")));

      // serving_bytes: a batch of two PNG files in, the labels of the float path out, also as PNGs.
      String other = dataset.ids(Split.TRAIN).get(0);
      Prediction q = predictor.predict(dataset.load(other).image(), dataset.load(other).imageShape());
      byte[] png = Files.readAllBytes(data.resolve("images/" + id + ".png"));
      byte[] png2 = Files.readAllBytes(data.resolve("images/" + other + ".png"));
      try (SavedModelBundle bundle = SavedModelBundle.load(base.resolve("tiny/1").toString(), "serve");
          TString in = TString.tensorOfBytes(NdArrays.vectorOfObjects(png, png2));
          Result r = bundle.function("serving_bytes").call(Map.of("image_bytes", in))) {
        int[] both = Tensors.toInts(r.get("labels").orElseThrow());
        int n = p.labels().length;
        assertArrayEquals(p.labels(), java.util.Arrays.copyOfRange(both, 0, n));
        assertArrayEquals(q.labels(), java.util.Arrays.copyOfRange(both, n, 2 * n));
        TString masks = (TString) r.get("mask_png_bytes").orElseThrow();
        assertEquals(2, masks.shape().size(0), "one PNG per image");
        int[][] expected = {p.labels(), q.labels()};
        for (int k = 0; k < 2; k++) {
          Path maskFile = dir.resolve("mask" + k + ".png");
          Files.write(maskFile, masks.asBytes().getObject(k));
          assertArrayEquals(expected[k], ImageReader.readLabels(maskFile).labels(), "mask " + k);
        }
      }
    }

    // export.input_size fixes the signature's spatial size; warm-up samples are cut to it.
    Path fixedConfig = dir.resolve("fixed.pbtxt");
    Files.writeString(fixedConfig, Files.readString(config) + "export { input_size: [32, 48] }\n");
    assertEquals(0, cli.run(new String[] {"export", "--config", fixedConfig.toString(), "--checkpoint", ckpt.toString(),
        "--base", base.toString(), "--name", "tiny"}), err.toString(StandardCharsets.UTF_8));
    try (SavedModelBundle bundle = SavedModelBundle.load(base.resolve("tiny/2").toString(), "serve")) {
      var dims = bundle.metaGraphDef().getSignatureDefOrThrow("serving_default").getInputsOrThrow("image")
          .getTensorShape().getDimList().stream().map(d -> d.getSize()).toList();
      assertEquals(List.of(-1L, 32L, 48L, (long) dataset.channels()), dims);
      assertTrue(Files.exists(base.resolve("tiny/2/assets.extra/tf_serving_warmup_requests")));
    }
  }

  /** Each signature entry as "DTYPE [dims]". */
  private static Map<String, String> describe(Map<String, org.tensorflow.proto.TensorInfo> entries) {
    Map<String, String> out = new java.util.TreeMap<>();
    entries.forEach((key, v) -> out.put(key, v.getDtype() + " "
        + v.getTensorShape().getDimList().stream().map(d -> d.getSize()).toList()));
    return out;
  }

  /** Softmax of the EVAL-mode logits of a graph restored from the checkpoint, built here directly. */
  private static float[] evalProbabilities(ExperimentConfig config, SegmentationDataset dataset, Path ckpt, Sample s) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
      InferenceGraph inference = InferenceGraph.build(ctx,
          Experiment.create(config, List.of()).model(dataset.numClasses(), dataset.channels()),
          InputNormalization.of(config.getData(), dataset.channels()), 2, dataset.channels(), "image");
      Operand<TFloat32> probabilities = ctx.tf().nn.softmax(inference.logits());
      long[] shape = {1, s.imageShape()[0], s.imageShape()[1], s.imageShape()[2]};
      try (Session session = new Session(g);
          TFloat32 in = Tensors.floats(Shape.of(shape), s.image())) {
        CheckpointManager.restoreCheckpoint(session, ckpt);
        try (Result r = session.runner().feed(inference.image(), in).fetch(probabilities).run()) {
          return Tensors.toFloats(r.get(0));
        }
      }
    }
  }

  @Test
  void modelsAndAblationsAreListed() {
    assertEquals(0, cli.run(new String[] {"models", "--params"}));
    // 1,813,764 = UniMatch's UNet for 1 channel and 4 classes, counted by hand in UNet2dTest.
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("1,813,764"), out.toString(StandardCharsets.UTF_8));
    // mmseg 1.2.2's DeepLabV3+ total with 19 classes, auxiliary head included (the others: SceneModelParametersTest).
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("43,589,878"), out.toString(StandardCharsets.UTF_8));
    // mmseg 1.2.2's SegFormer MiT-B3 (backbone 44,072,128 + head 531,731: SegFormerModelTest).
    assertTrue(out.toString(StandardCharsets.UTF_8).lines().anyMatch(
        l -> l.startsWith("segformer_mit_b3 ") && l.contains("44,603,859 params")), out.toString(StandardCharsets.UTF_8));
    // mmseg 1.2.2's SegNeXt MSCAN-B (head 512) with 19 classes, and its backbone / head split (§0).
    assertTrue(out.toString(StandardCharsets.UTF_8).lines().anyMatch(l -> l.startsWith("segnext_mscan_b ")
        && l.contains("27,569,107 params") && l.contains("backbone 26,277,824 + decode_head 1,291,283")),
        out.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("backbones (model.<family>.backbone { <name> {} }): hrnet_v2, mit, mscan, resnet_v1c, swin"),
        out.toString(StandardCharsets.UTF_8));
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
