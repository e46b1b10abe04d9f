package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.model.ModelInputs;
import org.delineo.serving.Predictor;
import org.delineo.serving.SavedModelExporter;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.io.DecodedImage;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.io.NiftiReader;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.delineo.training.export.ExportInput;

/**
 * {@code delineo predict --server} on a volume, against a local HTTP server in the test that plays
 * TF Serving: the request goes to the labelled version and the all-modalities signature, and the
 * label volume is written as NIfTI with the input's affine, plus an overlay. A fixed-size export
 * served by a fake TF Serving that runs the real SavedModel: a larger BraTS case is predicted in
 * sliding windows over REST, equal to {@link Predictor} on the same export.
 */
class PredictServerTest {
  private static final int D = 2;
  private static final int H = 3;
  private static final int W = 4;

  @TempDir Path dir;
  private HttpServer server;
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  /** The labels the fake server returns, [D][H][W] with label (d + h + w) % 3. */
  private static int label(int d, int h, int w) {
    return (d + h + w) % 3;
  }

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + body);
      String response;
      if (exchange.getRequestURI().getPath().endsWith("/metadata")) {
        response = "{\"model_spec\": {\"name\": \"vol\", \"signature_name\": \"\", \"version\": \"4\"},"
            + " \"metadata\": {\"signature_def\": {\"signature_def\": {"
            + signature("serving_default", true) + ", " + signature("serving_all_modalities", false) + "}}}}";
      } else {
        StringBuilder labels = new StringBuilder("[");
        for (int d = 0; d < D; d++) {
          labels.append(d == 0 ? "[" : ",[");
          for (int h = 0; h < H; h++) {
            labels.append(h == 0 ? "[" : ",[");
            for (int w = 0; w < W; w++) {
              labels.append(w == 0 ? "" : ",").append(label(d, h, w));
            }
            labels.append("]");
          }
          labels.append("]");
        }
        labels.append("]");
        response = "{\"predictions\": [{\"labels\": " + labels + ", \"extra\": 0}]}";
      }
      byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
  }

  private static String signature(String key, boolean withMask) {
    String image = "\"image\": {\"dtype\": \"DT_FLOAT\", \"name\": \"image:0\", \"tensor_shape\": {\"dim\": ["
        + "{\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"1\"}],"
        + " \"unknown_rank\": false}}";
    String mask = ", \"modality_mask\": {\"dtype\": \"DT_BOOL\", \"name\": \"modality_mask:0\", \"tensor_shape\":"
        + " {\"dim\": [{\"size\": \"-1\"}, {\"size\": \"1\"}], \"unknown_rank\": false}}";
    return "\"" + key + "\": {\"inputs\": {" + image + (withMask ? mask : "") + "}, \"outputs\": {"
        + "\"labels\": {\"dtype\": \"DT_INT32\", \"name\": \"labels:0\", \"tensor_shape\": {\"dim\": ["
        + "{\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"-1\"}], \"unknown_rank\": false}}},"
        + " \"method_name\": \"tensorflow/serving/predict\"}";
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void bratsCaseWithDeclaredModalitiesSendsTheMaskToServingDefault() throws IOException {
    // A case of four [D, H, W] modalities; the fake server answers labels (d + h + w) % 3 whatever it gets.
    Path caseDir = dir.resolve("c7");
    java.nio.file.Files.createDirectories(caseDir);
    for (String m : List.of("flair", "t1ce", "t1", "t2")) {
      float[] data = new float[D * H * W];
      java.util.Arrays.fill(data, m.length());
      NiftiWriter.write(caseDir.resolve("c7_" + m + ".nii.gz"),
          NiftiVolume.ofRowMajor(data, new int[] {D, H, W}, new double[] {1, 1, 1}));
    }
    Path out = dir.resolve("out");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String url = "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    assertEquals(0, cli.run(new String[] {"predict", "--server", url, "--name", "vol", "--input", caseDir.toString(),
        "--modalities", "flair,t1", "--out", out.toString()}), err.toString(StandardCharsets.UTF_8));

    assertEquals(2, requests.size(), requests.toString());
    String predict = requests.get(1);
    assertTrue(predict.contains("\"signature_name\":\"serving_default\""), predict);
    assertTrue(predict.replace(" ", "").contains("\"modality_mask\":[true,false,true,false]")
        || predict.replace(" ", "").contains("\"modality_mask\":[[true,false,true,false]]"), predict);
    // t1ce and t2 go as zeros: channels 1 and 3 of the first voxel.
    assertTrue(predict.contains("[[[[5.0,0.0,2.0,0.0]"), predict);
    assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("missing t1ce,t2"), stdout.toString(StandardCharsets.UTF_8));
    NiftiVolume labels = NiftiReader.read(out.resolve("c7_labels.nii.gz"));
    assertEquals(label(1, 2, 3), labels.data()[(1 * H + 2) * W + 3], 0f);
  }

  @Test
  void volumeLabelsComeBackAsNiftiWithTheInputAffine() throws IOException {
    float[] data = new float[D * H * W];
    for (int i = 0; i < data.length; i++) {
      data[i] = 10f * i;
    }
    double[][] affine = {{0, -1.5, 0, 10}, {1.5, 0, 0, -5}, {0, 0, 2, 3}, {0, 0, 0, 1}};
    Path input = dir.resolve("case1.nii.gz");
    NiftiWriter.write(input, new NiftiVolume(data, new int[] {W, H, D}, new double[] {1.5, 1.5, 2}, affine,
        (short) 16, 0f, 0f));
    Path out = dir.resolve("out");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String url = "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    assertEquals(0, cli.run(new String[] {"predict", "--server", url, "--name", "vol", "--label", "stable",
        "--input", input.toString(), "--out", out.toString()}), err.toString(StandardCharsets.UTF_8));

    assertEquals(2, requests.size(), requests.toString());
    assertEquals("GET /v1/models/vol/labels/stable/metadata ", requests.get(0));
    String predict = requests.get(1);
    assertTrue(predict.startsWith("POST /v1/models/vol/labels/stable:predict {\"signature_name\":\"serving_all_modalities\""),
        predict);
    assertTrue(predict.contains("[[[[0.0],[10.0],[20.0],[30.0]]"), "image [1, D, H, W, 1] row-major: " + predict);

    NiftiVolume labels = NiftiReader.read(out.resolve("case1_labels.nii.gz"));
    assertArrayEquals(new int[] {W, H, D}, labels.dims());
    for (int r = 0; r < 4; r++) {
      assertArrayEquals(affine[r], labels.affine()[r], 1e-6, "affine row " + r + " (tolerance 1e-6, float32 header)");
    }
    for (int d = 0; d < D; d++) {
      for (int h = 0; h < H; h++) {
        for (int w = 0; w < W; w++) {
          assertEquals(label(d, h, w), labels.data()[(d * H + h) * W + w], 0f, "voxel " + d + "," + h + "," + w);
        }
      }
    }
    // Overlay of the middle slice (d = 1): background pixels show the grey intensity rescaled to
    // 0..255 over the slice, labelled pixels are tinted (their channels differ). Tolerance 1 (rounding).
    DecodedImage overlay = ImageReader.read(out.resolve("case1_overlay.png"));
    assertEquals(H, overlay.height());
    assertEquals(W, overlay.width());
    assertEquals(3, overlay.channels());
    float min = data[H * W];
    float max = data[2 * H * W - 1];
    for (int h = 0; h < H; h++) {
      for (int w = 0; w < W; w++) {
        float grey = (data[(H + h) * W + w] - min) * 255f / (max - min);
        if (label(1, h, w) == 0) {
          for (int c = 0; c < 3; c++) {
            assertEquals(grey, overlay.get(h, w, c), 1.0, "grey background at " + h + "," + w);
          }
        } else {
          assertTrue(overlay.get(h, w, 0) != overlay.get(h, w, 1) || overlay.get(h, w, 1) != overlay.get(h, w, 2),
              "tinted class pixel at " + h + "," + w);
        }
      }
    }
  }
  /** Modalities of the BraTS export below, in {@link BratsLayout#MODALITIES} order. */
  private static final int M = 4;
  /** The export's fixed input size: smaller than the case on every axis. */
  private static final long[] WINDOW = {4, 4, 4};
  /** The case, [D, H, W] row-major. */
  private static final int[] CASE = {6, 7, 5};

  /**
   * A fixed 4³ BraTS-kind export (brain z-score per case, normalize / predict_normalized) behind a
   * fake TF Serving that runs it: a 6×7×5 case goes through {@code normalize} once, whole, then
   * through {@code predict_normalized} in 4³ windows only; the labels equal {@link Predictor}'s on
   * the same export, with a mask (--modalities) and with all modalities present.
   */
  @Test
  void fixedSizeExportSlidesWindowsOverRestLikePredictor() throws IOException {
    Path version = exportTinyBrats();
    Path caseDir = dir.resolve("c9");
    java.nio.file.Files.createDirectories(caseDir);
    Random r = new Random(3);
    int voxels = CASE[0] * CASE[1] * CASE[2];
    float[][] modalities = new float[M][voxels];
    for (int v = 0; v < voxels; v++) {
      int z = v / (CASE[1] * CASE[2]);
      boolean background = r.nextDouble() < 0.2;
      for (int m = 0; m < M; m++) {
        // Intensity grows with depth, so a window's statistics differ from the case's.
        modalities[m][v] = background ? 0f : 50f * (m + 1) + 40f * z + 30f * (float) r.nextDouble();
      }
    }
    for (int m = 0; m < M; m++) {
      NiftiWriter.write(caseDir.resolve("c9_" + BratsLayout.MODALITIES.get(m) + ".nii.gz"),
          NiftiVolume.ofRowMajor(modalities[m], CASE, new double[] {1, 1, 1}));
    }

    try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve");
        Predictor predictor = Predictor.load(version);
        SavedModelServer fake = new SavedModelServer(bundle)) {
      for (boolean[] mask : List.of(new boolean[] {true, false, true, false}, new boolean[] {true, true, true, true})) {
        fake.requests.clear();
        boolean all = mask[1];
        Path out = dir.resolve(all ? "all" : "masked");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        List<String> args = new ArrayList<>(List.of("predict", "--server", fake.url(), "--name", "tiny",
            "--input", caseDir.toString(), "--out", out.toString()));
        if (!all) {
          args.addAll(List.of("--modalities", "flair,t1"));
        }
        assertEquals(0, cli.run(args.toArray(String[]::new)), err.toString(StandardCharsets.UTF_8));

        // The reference: Predictor on the same export, on the image delineo predict builds
        // (modalities as channels, a missing one zeros), in BraTS' stored label convention.
        float[] image = new float[voxels * M];
        for (int v = 0; v < voxels; v++) {
          for (int m = 0; m < M; m++) {
            image[v * M + m] = mask[m] ? modalities[m][v] : 0f;
          }
        }
        int[] expected = predictor.predict(image, new int[] {CASE[0], CASE[1], CASE[2], M}, all ? null : mask).labels();
        NiftiVolume labels = NiftiReader.read(out.resolve("c9_labels.nii.gz"));
        int[] stored = BratsLayout.storedLabels();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int v = 0; v < voxels; v++) {
          assertEquals(stored[expected[v]], labels.data()[v], 0f, "voxel " + v + (all ? "" : " (masked)"));
          seen.add(expected[v]);
        }
        assertTrue(seen.size() > 1, "a reference of one class tests little: " + seen);

        List<SavedModelServer.Call> calls = List.copyOf(fake.requests);
        assertEquals("GET /v1/models/tiny/metadata", calls.get(0).what());
        List<SavedModelServer.Call> normalize = calls.stream().filter(c -> "normalize".equals(c.signature())).toList();
        assertEquals(1, normalize.size(), "normalize exactly once: " + calls);
        assertArrayEquals(new long[] {1, CASE[0], CASE[1], CASE[2], M}, normalize.get(0).image(),
            "normalize gets the whole case");
        assertEquals("normalize", calls.get(1).signature(), "normalize before any window: " + calls);
        int windows = 0;
        for (SavedModelServer.Call c : calls.subList(2, calls.size())) {
          assertEquals("predict_normalized", c.signature(), c.toString());
          long[] shape = c.image();
          assertArrayEquals(new long[] {WINDOW[0], WINDOW[1], WINDOW[2], M}, Arrays.copyOfRange(shape, 1, 5),
              "every window of the fixed size: " + c);
          windows += (int) shape[0];
          // predict_normalized of a multi-modal export always takes the mask: all true without --modalities.
          assertEquals(shape[0], c.masks().size(), c.toString());
          for (boolean[] row : c.masks()) {
            assertArrayEquals(mask, row, c.toString());
          }
        }
        // Starts at overlap 0.5 (stride 2), the last aligned to the border: {0,2} × {0,2,3} × {0,1}.
        assertEquals(2 * 3 * 2, windows, calls.toString());
      }
    }
  }


  /**
   * A fixed 4³ export of a 4-modality 1×1×1 convolution (fixed mixing weights) with the brain
   * z-score per case, exported as delineo export writes BraTS models (normalize,
   * predict_normalized, serving_all_modalities).
   */
  private Path exportTinyBrats() throws IOException {
    String prefix = java.nio.file.Files.createDirectories(dir.resolve("tiny")).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Ops tf = ctx.tf();
      new MaskedPointwiseModel(M).apply(ctx, ModelInputs.of(tf.placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, -1, -1, -1, M)))));
      float[] weights = {1, 0.2f, 0, -0.3f, 0.1f, 1, 0.4f, 0, -0.2f, 0, 1, 0.3f, 0, 0.5f, -0.1f, 1};
      Op weight = tf.assign(ref(ctx, "head.weight"),
          tf.reshape(tf.constant(weights), tf.constant(new long[] {1, 1, 1, M, M})));
      Op bias = tf.assign(ref(ctx, "head.bias"), tf.constant(new float[] {0.1f, 0, -0.1f, 0.05f}));
      s.initialize();
      s.runner().addTarget(weight).addTarget(bias).run().close();
      s.save(prefix);
    }
    return new SavedModelExporter(prefix).export(dir.resolve("exports"), "tiny", null, ctx ->
        ExportInput.input(ctx, new MaskedPointwiseModel(M), org.delineo.training.data.pipeline.NormalizationKind.BRAIN_ZSCORE_PER_SAMPLE,
            new org.delineo.training.data.pipeline.InputNormalization(new float[] {0.5f, -1f, 0f, 0.2f},
                new float[] {2f, 4f, 1f, 3f}), M, WINDOW));
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Variable<TFloat32>) v.ref();
  }
}
