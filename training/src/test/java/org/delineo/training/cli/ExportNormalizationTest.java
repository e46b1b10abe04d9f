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
import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.Conv3d;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.PredictGraph;
import org.delineo.serving.Predictor;
import org.delineo.serving.SavedModelExporter;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.data.augment.BilinearResize;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.BratsPreprocessor;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.eval.InferenceGraph;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.data.pipeline.NormalizationKind;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.delineo.training.export.ModelExport;

/**
 * Exports take raw intensities: the graph applies the dataset reader's normalisation, so a
 * SavedModel fed raw data predicts what the evaluation graph predicts on the reader's output.
 */
class ExportNormalizationTest {
  /** float32 statistics in the graph against the readers' double arithmetic. */
  private static final double TOL = 1e-4;

  @TempDir Path dir;

  @Test
  void layoutsMapToTheirReadersNormalisation() {
    assertEquals(NormalizationKind.BRAIN_ZSCORE_PER_SAMPLE, kind(DataConfig.Layout.BRATS));
    assertEquals(NormalizationKind.BRAIN_ZSCORE_PER_SAMPLE, kind(DataConfig.Layout.SYNTHETIC_BRATS3D));
    assertEquals(NormalizationKind.MIN_MAX_PER_REQUEST, kind(DataConfig.Layout.ACDC));
    assertEquals(NormalizationKind.MIN_MAX_PER_REQUEST, kind(DataConfig.Layout.PROMISE12));
    assertEquals(NormalizationKind.MIN_MAX_PER_REQUEST, kind(DataConfig.Layout.SYNTHETIC_MEDICAL2D));
    assertEquals(NormalizationKind.NONE, kind(DataConfig.Layout.CITYSCAPES));
    assertEquals(NormalizationKind.NONE, kind(DataConfig.Layout.ISIC));
  }

  private static NormalizationKind kind(DataConfig.Layout layout) {
    return NormalizationKind.of(DataConfig.newBuilder().setLayout(layout).build());
  }

  /**
   * A 2D model of a slice dataset, exported through the CLI path: a raw volume (affinely changed,
   * which per-volume min-max scaling cancels) predicted by {@link Predictor} as one request of its
   * slices equals the EVAL graph on the reader's scaled slices.
   */
  @Test
  void sliceModelOnARawVolumeEqualsEvalOnScaledSlices() throws IOException {
    Path data = dir.resolve("data");
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "medical2d", "--out", data.toString(),
        "--cases", "3", "--seed", "4", "--size", "3,32,32"}));
    Path configFile = dir.resolve("med.pbtxt");
    Files.writeString(configFile, "name: \"med\"\n"
        + "model { unet { channels: [2, 4, 4, 8, 8] } }\n"
        + "data { layout: SYNTHETIC_MEDICAL2D root: \"" + data + "\" num_workers: 1 }\n");
    ExperimentConfig config = ExperimentConfigLoader.load(configFile, List.of());
    SliceDataset slices = (SliceDataset) DatasetFactory.open(config.getData());
    SegmentationModel model = Experiment.create(config, List.of()).model(slices.numClasses(), slices.channels());
    Path ckpt = initialCheckpoint(config, model, slices.channels());

    Path version = ModelExport.export(config, ckpt, dir.resolve("exports"), "med", null);

    String volumeId = slices.volumes().ids(Split.VAL).isEmpty()
        ? slices.volumes().ids(Split.TRAIN).get(0) : slices.volumes().ids(Split.VAL).get(0);
    Sample raw = slices.volumes().load(volumeId);
    int[] shape = raw.imageShape();
    float[] shifted = new float[raw.image().length];
    for (int i = 0; i < shifted.length; i++) {
      shifted[i] = raw.image()[i] * 250f + 40f;
    }
    int sliceValues = shape[1] * shape[2] * shape[3];
    float[] scaled = new float[shifted.length];
    for (int z = 0; z < shape[0]; z++) {
      Sample s = slices.load(volumeId + SliceDataset.SEPARATOR + z);
      System.arraycopy(s.image(), 0, scaled, z * sliceValues, sliceValues);
    }
    float[] expected = evalProbabilities(config, model, slices.channels(), ckpt, scaled, shape);
    try (Predictor predictor = Predictor.load(version)) {
      float[] served = predictor.predict(shifted, shape).probabilities();
      assertEquals(expected.length, served.length);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], served[i], TOL, "probability " + i + " (tolerance " + TOL + ")");
      }
    }
  }

  /**
   * With {@code data.test_resize} the export resizes in the graph as evaluation does in Java: a raw
   * volume through the SavedModel equals the EVAL graph on the reader's slices resized to the test
   * size, with the logits resized back (both resizes here in plain Java, {@link BilinearResize}).
   */
  @Test
  void testResizeIsInTheExportedGraph() throws IOException {
    Path data = dir.resolve("data-r");
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "medical2d", "--out", data.toString(),
        "--cases", "3", "--seed", "5", "--size", "2,28,36"}));
    Path configFile = dir.resolve("med-r.pbtxt");
    Files.writeString(configFile, "name: \"med\"\n"
        + "model { unet { channels: [2, 4, 4, 8, 8] } }\n"
        + "data { layout: SYNTHETIC_MEDICAL2D root: \"" + data + "\" num_workers: 1 crop_size: [32, 32]"
        + " test_resize: [16, 24] test_keep_ratio: false }\n");
    ExperimentConfig config = ExperimentConfigLoader.load(configFile, List.of());
    SliceDataset slices = (SliceDataset) DatasetFactory.open(config.getData());
    int c = slices.channels();
    SegmentationModel model = Experiment.create(config, List.of()).model(slices.numClasses(), c);
    Path ckpt = initialCheckpoint(dir.resolve("ckpt-r"), config, model, c);

    Path version = ModelExport.export(config, ckpt, dir.resolve("exports-r"), "med", null);

    String volumeId = slices.volumes().ids(Split.TRAIN).get(0);
    Sample raw = slices.volumes().load(volumeId);
    int[] shape = raw.imageShape(); // [D, 28, 36, C]
    int h = shape[1];
    int w = shape[2];
    int sliceValues = h * w * c;
    float[] resized = new float[shape[0] * 16 * 24 * c];
    for (int z = 0; z < shape[0]; z++) {
      float[] scaled = slices.load(volumeId + SliceDataset.SEPARATOR + z).image();
      System.arraycopy(BilinearResize.resize(scaled, h, w, c, 16, 24), 0, resized, z * 16 * 24 * c, 16 * 24 * c);
    }
    float[] logits = evalLogits(config, model, c, ckpt, resized, new int[] {shape[0], 16, 24, c});
    int k = logits.length / (shape[0] * 16 * 24);
    try (Predictor predictor = Predictor.load(version)) {
      float[] served = predictor.predict(raw.image(), shape).probabilities();
      for (int z = 0; z < shape[0]; z++) {
        float[] slice = java.util.Arrays.copyOfRange(logits, z * 16 * 24 * k, (z + 1) * 16 * 24 * k);
        float[] back = BilinearResize.resize(slice, 16, 24, k, h, w);
        for (int p = 0; p < h * w; p++) {
          double sum = 0;
          for (int j = 0; j < k; j++) {
            sum += Math.exp(back[p * k + j]);
          }
          for (int j = 0; j < k; j++) {
            int i = (z * h * w + p) * k + j;
            assertEquals(Math.exp(back[p * k + j]) / sum, served[i], TOL, "probability " + i);
          }
        }
      }
    }
  }

  /** Random weights, saved as a checkpoint directory the export restores. */
  private Path initialCheckpoint(ExperimentConfig config, SegmentationModel model, int channels) throws IOException {
    return initialCheckpoint(dir.resolve("ckpt"), config, model, channels);
  }

  /** Random weights of a 2D {@code model}, saved as the checkpoint directory {@code path}. */
  static Path initialCheckpoint(Path path, ExperimentConfig config, SegmentationModel model, int channels)
      throws IOException {
    Path ckpt = Files.createDirectories(path);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InferenceGraph.build(GraphContext.create(g, Mode.EVAL, 7), model,
          InputNormalization.of(config.getData(), channels), 2, channels, "image");
      s.initialize();
      s.save(ckpt.resolve("variables").toString());
    }
    return ckpt;
  }

  /** Logits of the EVAL graph on {@code images} [N, H, W, C]. */
  private static float[] evalLogits(ExperimentConfig config, SegmentationModel model, int channels, Path ckpt,
      float[] images, int[] shape) {
    try (Graph g = new Graph()) {
      InferenceGraph inference = InferenceGraph.build(GraphContext.create(g, Mode.EVAL, 0), model,
          InputNormalization.of(config.getData(), channels), 2, channels, "image");
      try (Session session = new Session(g);
          TFloat32 in = Tensors.floats(Shape.of(shape[0], shape[1], shape[2], shape[3]), images)) {
        session.restore(ckpt.resolve("variables").toString());
        try (Result r = session.runner().feed(inference.image(), in).fetch(inference.logits()).run()) {
          return Tensors.toFloats(r.get(0));
        }
      }
    }
  }

  /** Softmax of the EVAL graph, as training validates, on the reader's slices [D, H, W, C] as one batch. */
  private static float[] evalProbabilities(ExperimentConfig config, SegmentationModel model, int channels,
      Path ckpt, float[] slices, int[] shape) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
      InferenceGraph inference = InferenceGraph.build(ctx, model, InputNormalization.of(config.getData(), channels),
          2, channels, "image");
      Operand<TFloat32> probabilities = ctx.tf().nn.softmax(inference.logits());
      try (Session session = new Session(g);
          TFloat32 in = Tensors.floats(Shape.of(shape[0], shape[1], shape[2], shape[3]), slices)) {
        session.restore(ckpt.resolve("variables").toString());
        try (Result r = session.runner().feed(inference.image(), in).fetch(probabilities).run()) {
          return Tensors.toFloats(r.get(0));
        }
      }
    }
  }

  private static final int M = 2;
  private static final int[] VOLUME = {6, 5, 4, M};

  /** A 1x1x1 convolution to 3 classes: linear, so any normalisation difference shows in the output. */
  private static Operand<TFloat32> head(GraphContext ctx, Operand<TFloat32> x) {
    return Conv3d.builder("head", 3).kernel(1).build().apply(ctx, x);
  }

  /**
   * Raw BraTS-like volumes whose brain fills the crop window (corners set), with background zeros
   * and voxels that are non-zero but sum to <= 0 over the modalities (outside the brain mask).
   */
  private static Sample rawVolume(String id, long seed, float scale, float offset) {
    Random r = new Random(seed);
    int voxels = VOLUME[0] * VOLUME[1] * VOLUME[2];
    float[] v = new float[voxels * M];
    for (int i = 0; i < voxels; i++) {
      double u = r.nextDouble();
      if (u < 0.3) {
        continue; // background: all modalities 0
      }
      if (u < 0.4) {
        v[i * M] = -2f * scale;
        v[i * M + 1] = 0.5f * scale; // sum < 0: not brain, yet not zero
        continue;
      }
      for (int m = 0; m < M; m++) {
        v[i * M + m] = offset + scale * (float) r.nextDouble() * (m + 1);
      }
    }
    v[0] = scale;
    v[(voxels - 1) * M] = scale;
    return new Sample(id, v, VOLUME.clone(), null, null, null);
  }

  /**
   * Per-sample brain z-score in the SavedModel on two raw volumes in one batch equals the EVAL graph
   * on {@link BratsPreprocessor}'s output for each.
   */
  @Test
  void volumeModelOnRawCasesEqualsEvalOnPreprocessedCases() throws IOException {
    String prefix = Files.createDirectories(dir.resolve("ckpt3d")).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      head(ctx, ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, -1, M))));
      s.initialize();
      s.save(prefix);
    }
    Path version = new SavedModelExporter(prefix).export(dir.resolve("exports"), "brats", null, ctx -> {
      Placeholder<TFloat32> image = ctx.tf().withName("image")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, -1, M)));
      return new PredictGraph(image, head(ctx, NormalizationKind.BRAIN_ZSCORE_PER_SAMPLE.apply(ctx.tf(), image)));
    });

    Sample a = rawVolume("a", 1, 300f, 20f);
    Sample b = rawVolume("b", 2, 1200f, 500f);
    BratsPreprocessor preprocessor = new BratsPreprocessor(1);
    float[] expected = new float[0];
    for (Sample raw : List.of(a, b)) {
      Sample pre = preprocessor.apply(raw);
      assertArrayEquals(VOLUME, pre.imageShape(), "the crop window is the whole volume");
      float[] e = evalProbabilities3d(prefix, pre.image());
      float[] joined = java.util.Arrays.copyOf(expected, expected.length + e.length);
      System.arraycopy(e, 0, joined, expected.length, e.length);
      expected = joined;
    }
    float[] both = java.util.Arrays.copyOf(a.image(), a.image().length * 2);
    System.arraycopy(b.image(), 0, both, a.image().length, b.image().length);
    try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve");
        TFloat32 in = Tensors.floats(Shape.of(2, VOLUME[0], VOLUME[1], VOLUME[2], M), both);
        Result r = bundle.function("serving_default").call(Map.of("image", in))) {
      float[] served = Tensors.toFloats(r.get("probabilities").orElseThrow());
      assertEquals(expected.length, served.length);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], served[i], TOL, "probability " + i + " (tolerance " + TOL + ")");
      }
    }
    assertTrue(expected.length > 0);
  }

  private static float[] evalProbabilities3d(String prefix, float[] preprocessed) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
      Placeholder<TFloat32> image = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, -1, M)));
      Operand<TFloat32> probabilities = ctx.tf().nn.softmax(head(ctx, image));
      try (Session session = new Session(g);
          TFloat32 in = Tensors.floats(Shape.of(1, VOLUME[0], VOLUME[1], VOLUME[2], M), preprocessed)) {
        session.restore(prefix);
        try (Result r = session.runner().feed(image, in).fetch(probabilities).run()) {
          return Tensors.toFloats(r.get(0));
        }
      }
    }
  }
}
