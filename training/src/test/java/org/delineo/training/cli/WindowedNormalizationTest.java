package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.Predictor;
import org.delineo.serving.SavedModelExporter;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.eval.InferenceGraph;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.data.pipeline.NormalizationKind;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.delineo.training.export.ModelExport;
import org.delineo.training.export.ExportInput;

/**
 * Exports that normalise with request statistics carry {@code normalize} and
 * {@code predict_normalized}, and {@link Predictor} uses them to slide windows over a whole case
 * normalised as a whole, as training normalises it.
 */
class WindowedNormalizationTest {
  private static final int M = 2;
  /** The fixed input size of the tiny export: smaller than the case on every axis. */
  private static final long[] WINDOW = {4, 4, 4};
  private static final int[] CASE = {6, 7, 5, M};
  /** The model's own mean / std after the brain z-score, to pin the order of the two. */
  private static final float[] MEAN = {0.5f, -1f};
  private static final float[] STD = {2f, 4f};
  private static final double TOL = 1e-4;

  @TempDir Path dir;

  /** (a) A BraTS-kind multi-modal export through the CLI path: the two extra signatures' contents. */
  @Test
  void bratsExportHasNormalizeAndPredictNormalizedSignatures() throws IOException {
    Path configFile = dir.resolve("brats.pbtxt");
    Files.writeString(configFile, "name: \"b\"\n"
        + "model { prism_rfnet { basic_dims: 4 crop_size: 16 fusion_hidden: 8 } }\n"
        + "data { layout: SYNTHETIC_BRATS3D root: \"" + dir.resolve("missing") + "\" crop_size: [16, 16, 16] }\n"
        + "export { warmup_requests: 0 }\n");
    ExperimentConfig config = ExperimentConfigLoader.load(configFile, List.of());
    SegmentationModel model = Experiment.create(config, List.of()).model(4, 4);
    Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InferenceGraph.build(GraphContext.create(g, Mode.EVAL, 7), model, InputNormalization.of(config.getData(), 4),
          3, 4, "image");
      s.initialize();
      s.save(ckpt.resolve("variables").toString());
    }

    Path version = ModelExport.export(config, ckpt, dir.resolve("exports"), "b", null);

    try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve")) {
      Map<String, SignatureDef> sigs = bundle.metaGraphDef().getSignatureDefMap();
      SignatureDef normalize = sigs.get("normalize");
      SignatureDef predict = sigs.get("predict_normalized");
      assertTrue(normalize != null && predict != null, "signatures " + sigs.keySet());
      assertEquals("tensorflow/serving/predict", normalize.getMethodName());
      assertEquals("tensorflow/serving/predict", predict.getMethodName());
      assertEquals(List.of("image"), List.copyOf(normalize.getInputsMap().keySet()));
      assertEquals(List.of("image"), List.copyOf(normalize.getOutputsMap().keySet()));
      assertTensor(normalize.getInputsOrThrow("image"), DataType.DT_FLOAT, -1, -1, -1, -1, 4);
      assertTensor(normalize.getOutputsOrThrow("image"), DataType.DT_FLOAT, -1, -1, -1, -1, 4);

      SignatureDef serving = sigs.get("serving_default");
      assertEquals(serving.getInputsMap().keySet(), predict.getInputsMap().keySet());
      assertEquals(serving.getOutputsMap().keySet(), predict.getOutputsMap().keySet());
      assertTensor(predict.getInputsOrThrow("image"), DataType.DT_FLOAT, -1, 16, 16, 16, 4);
      assertTensor(predict.getInputsOrThrow("modality_mask"), DataType.DT_BOOL, -1, 4);
      assertTensor(predict.getOutputsOrThrow("probabilities"), DataType.DT_FLOAT, -1, -1, -1, -1, 4);
      assertEquals(DataType.DT_INT32, predict.getOutputsOrThrow("labels").getDtype());
      // Its own tensors: feeding predict_normalized must not feed serving_default's raw image.
      assertFalse(predict.getInputsOrThrow("image").getName().equals(serving.getInputsOrThrow("image").getName()));
      assertFalse(predict.getOutputsOrThrow("probabilities").getName()
          .equals(serving.getOutputsOrThrow("probabilities").getName()));
    }
  }

  private static void assertTensor(TensorInfo info, DataType dtype, long... dims) {
    assertEquals(dtype, info.getDtype(), info.getName());
    assertArrayEquals(dims, info.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray(),
        info.getName());
  }

  /**
   * (b) A fixed 4³ export of an identity 1×1×1 convolution with the brain z-score: Predictor on a
   * larger case equals the case z-scored as a whole (then the model's mean / std) in plain Java,
   * with and without a modality mask; an export of the same graph without the two signatures (as
   * before them) slides per-window statistics and misses that reference.
   */
  @Test
  void slidingWindowsNormaliseTheWholeCase() throws IOException {
    String prefix = Files.createDirectories(dir.resolve("tiny")).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Ops tf = ctx.tf();
      new MaskedPointwiseModel(M).apply(ctx, ModelInputs.of(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, -1, M)))));
      Op weight = tf.assign(ref(ctx, "head.weight"),
          tf.reshape(tf.constant(new float[] {1, 0, 0, 1}), tf.constant(new long[] {1, 1, 1, M, M})));
      Op bias = tf.assign(ref(ctx, "head.bias"), tf.constant(new float[M]));
      s.initialize();
      s.runner().addTarget(weight).addTarget(bias).run().close();
      s.save(prefix);
    }
    InputNormalization meanStd = new InputNormalization(MEAN, STD);
    SavedModelExporter exporter = new SavedModelExporter(prefix);
    Path current = exporter.export(dir.resolve("exports"), "tiny", null, ctx ->
        ExportInput.input(ctx, new MaskedPointwiseModel(M), NormalizationKind.BRAIN_ZSCORE_PER_SAMPLE, meanStd, M, WINDOW));
    Path before = exporter.export(dir.resolve("exports"), "old", null, ctx ->
        ExportInput.input(ctx, new MaskedPointwiseModel(M), NormalizationKind.BRAIN_ZSCORE_PER_SAMPLE, meanStd, M, WINDOW)
            .withNormalizedPath(null));

    float[] image = rawCase();
    float[] expected = reference(image, new boolean[] {true, true});
    // A missing modality is sent as zeros, as delineo predict sends it.
    float[] withoutSecond = image.clone();
    for (int i = 1; i < withoutSecond.length; i += M) {
      withoutSecond[i] = 0f;
    }
    float[] expectedMasked = reference(withoutSecond, new boolean[] {true, false});
    try (Predictor p = Predictor.load(current)) {
      assertClose(expected, p.predict(image, CASE).probabilities(), "whole-case z-score");
      assertClose(expectedMasked, p.predict(withoutSecond, CASE, new boolean[] {true, false}).probabilities(),
          "whole-case z-score, modality 1 masked");
    }
    try (Predictor p = Predictor.load(before)) {
      float[] perWindow = p.predict(image, CASE).probabilities();
      assertEquals(expected.length, perWindow.length);
      double worst = 0;
      for (int i = 0; i < expected.length; i++) {
        worst = Math.max(worst, Math.abs(expected[i] - perWindow[i]));
      }
      assertTrue(worst > 0.05, "per-window statistics should miss the whole-case reference; max diff " + worst);
    }
    // The same shown on one window through serving_default, independent of Predictor.
    assertTrue(maxDiffOfFirstWindow(current, image, expected) > 0.05);
  }

  /**
   * A fixed 4×4 slice export with per-request min-max: Predictor on a volume [D, 6, 5, 2] (slices
   * larger than the window) equals min-max over the whole volume, as SliceDataset scales in
   * training, not per slice or per window.
   */
  @Test
  void slicesNeedingWindowsAreScaledPerVolume() throws IOException {
    String prefix = Files.createDirectories(dir.resolve("tiny2d")).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Ops tf = ctx.tf();
      new Tiny2d().apply(ctx, ModelInputs.of(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, M)))));
      Op weight = tf.assign(ref(ctx, "head.weight"),
          tf.reshape(tf.constant(new float[] {1, 0, 0, 1}), tf.constant(new long[] {1, 1, M, M})));
      Op bias = tf.assign(ref(ctx, "head.bias"), tf.constant(new float[M]));
      s.initialize();
      s.runner().addTarget(weight).addTarget(bias).run().close();
      s.save(prefix);
    }
    Path version = new SavedModelExporter(prefix).export(dir.resolve("exports"), "slices", null, ctx ->
        ExportInput.input(ctx, new Tiny2d(), NormalizationKind.MIN_MAX_PER_REQUEST,
            new InputNormalization(new float[0], new float[0]), M, new long[] {4, 4}));
    int[] shape = {3, 6, 5, M};
    float[] volume = new float[3 * 6 * 5 * M];
    Random r = new Random(5);
    for (int i = 0; i < volume.length; i++) {
      int z = i / (6 * 5 * M);
      // Each slice has its own range, so per-slice or per-window scaling differs from per-volume.
      volume[i] = (i % M == 0 ? 10f : -3f) + 50f * z + 20f * (float) r.nextDouble();
    }
    float[] expected = new float[volume.length];
    for (int c = 0; c < M; c++) {
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (int i = c; i < volume.length; i += M) {
        min = Math.min(min, volume[i]);
        max = Math.max(max, volume[i]);
      }
      for (int i = c; i < volume.length; i += M) {
        expected[i] = (float) ((volume[i] - min) / (max - min));
      }
    }
    for (int i = 0; i < volume.length; i += M) {
      double e0 = Math.exp(expected[i]);
      double e1 = Math.exp(expected[i + 1]);
      expected[i] = (float) (e0 / (e0 + e1));
      expected[i + 1] = (float) (e1 / (e0 + e1));
    }
    try (Predictor p = Predictor.load(version)) {
      assertClose(expected, p.predict(volume, shape).probabilities(), "per-volume min-max");
    }
  }

  /** A 1×1 convolution ("head"): logits are the normalised intensities. */
  private static final class Tiny2d implements SegmentationModel {
    @Override
    public String name() {
      return "tiny2d";
    }

    @Override
    public int numClasses() {
      return M;
    }

    @Override
    public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
      return ModelOutputs.of(Conv2d.builder("head", M).kernel(1).build().apply(ctx, inputs.image()));
    }
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Variable<TFloat32>) v.ref();
  }

  /**
   * A raw case whose intensity grows along depth (so windows have other statistics than the case),
   * with background zeros and voxels of channel sum {@code <= 0}, which are outside the brain mask.
   */
  private static float[] rawCase() {
    Random r = new Random(11);
    int voxels = CASE[0] * CASE[1] * CASE[2];
    float[] v = new float[voxels * M];
    for (int i = 0; i < voxels; i++) {
      int z = i / (CASE[1] * CASE[2]);
      double u = r.nextDouble();
      if (u < 0.2) {
        continue;
      }
      if (u < 0.3) {
        v[i * M] = -30f;
        v[i * M + 1] = 10f;
        continue;
      }
      v[i * M] = 100f + 60f * z + 40f * (float) r.nextDouble();
      v[i * M + 1] = 20f + 5f * z * z + 30f * (float) r.nextDouble();
    }
    return v;
  }

  /**
   * Softmax over channels of ((z-score over the whole case) − MEAN) / STD, 0 for masked channels:
   * brain = voxels whose channel sum is > 0, population std, applied to every voxel; double
   * arithmetic.
   */
  private static float[] reference(float[] image, boolean[] mask) {
    int voxels = image.length / M;
    double[] z = new double[image.length];
    for (int c = 0; c < M; c++) {
      double sum = 0;
      int count = 0;
      for (int i = 0; i < voxels; i++) {
        if (image[i * M] + image[i * M + 1] > 0) {
          sum += image[i * M + c];
          count++;
        }
      }
      double mean = sum / count;
      double sq = 0;
      for (int i = 0; i < voxels; i++) {
        if (image[i * M] + image[i * M + 1] > 0) {
          sq += (image[i * M + c] - mean) * (image[i * M + c] - mean);
        }
      }
      double std = Math.sqrt(sq / count);
      for (int i = 0; i < voxels; i++) {
        z[i * M + c] = (image[i * M + c] - mean) / std;
      }
    }
    float[] p = new float[image.length];
    for (int i = 0; i < voxels; i++) {
      double[] logit = new double[M];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < M; c++) {
        // The model zeroes a missing modality after the mean / std (the mask is its input).
        logit[c] = mask[c] ? (z[i * M + c] - MEAN[c]) / STD[c] : 0;
        max = Math.max(max, logit[c]);
      }
      double total = 0;
      for (int c = 0; c < M; c++) {
        total += Math.exp(logit[c] - max);
      }
      for (int c = 0; c < M; c++) {
        p[i * M + c] = (float) (Math.exp(logit[c] - max) / total);
      }
    }
    return p;
  }

  /** Largest difference to {@code expected} of serving_default on the raw window [0, 4)³ alone. */
  private static double maxDiffOfFirstWindow(Path version, float[] image, float[] expected) {
    int w = (int) WINDOW[0];
    float[] window = new float[w * w * w * M];
    int[] index = new int[w * w * w];
    for (int d = 0, k = 0; d < w; d++) {
      for (int h = 0; h < w; h++) {
        for (int x = 0; x < w; x++, k++) {
          index[k] = (d * CASE[1] + h) * CASE[2] + x;
          System.arraycopy(image, index[k] * M, window, k * M, M);
        }
      }
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve");
        TFloat32 in = Tensors.floats(Shape.of(1, w, w, w, M), window);
        Result r = bundle.function("serving_all_modalities").call(Map.of("image", in))) {
      float[] served = Tensors.toFloats(r.get("probabilities").orElseThrow());
      double worst = 0;
      for (int k = 0; k < index.length; k++) {
        for (int c = 0; c < M; c++) {
          worst = Math.max(worst, Math.abs(served[k * M + c] - expected[index[k] * M + c]));
        }
      }
      return worst;
    }
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], TOL, what + ": probability " + i + " (tolerance " + TOL + ")");
    }
  }
}
