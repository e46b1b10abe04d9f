package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Set;
import javax.imageio.ImageIO;

class SavedModelExporterTest {
  /** Element-wise tolerance between the served outputs and the EVAL graph. */
  private static final double TOL = 1e-5;
  private static final int K = 3;
  private static final Shape INPUT = Shape.of(3, 8, 8, 2);

  @TempDir Path tmp;

  /** The tiny model, built identically for TRAIN, EVAL and PREDICT. */
  private static PredictGraph tinyModel(GraphContext ctx) {
    Operand<TFloat32> image = ctx.tf().withName("image")
        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 2)));
    Operand<TFloat32> h = Conv2d.builder("head.conv", K).kernel(3).build().apply(ctx, image);
    return new PredictGraph(image, new BatchNorm("head.bn").apply(ctx, h));
  }

  private static float[] randomImage(long seed) {
    Random r = new Random(seed);
    float[] v = new float[(int) INPUT.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian() + 0.5f;
    }
    return v;
  }

  /** Trains nothing but moves every variable away from its initial value, then saves. */
  private String checkpoint() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("ckpt"));
    String prefix = dir.resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 11);
      PredictGraph m = tinyModel(ctx);
      Ops tf = ctx.tf();
      Op setWeight = tf.assign(ref(ctx, "head.bn.weight"), tf.constant(new float[] {1.5f, -0.5f, 0.8f}));
      Op setBias = tf.assign(ref(ctx, "head.bn.bias"), tf.constant(new float[] {0.1f, 0.2f, -0.3f}));
      s.initialize();
      s.runner().addTarget(setWeight).addTarget(setBias).run().close();
      for (int step = 0; step < 3; step++) {
        try (TFloat32 in = Tensors.floats(INPUT, randomImage(step))) {
          Session.Runner runner = s.runner().feed(m.image(), in);
          ctx.updateOps().forEach(runner::addTarget);
          runner.run().close();
        }
      }
      s.save(prefix);
    }
    return prefix;
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Variable<TFloat32>) v.ref();
  }

  /** Logits of a separate EVAL graph restored from the checkpoint. */
  private static float[] evalLogits(String prefix, float[] image) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      PredictGraph m = tinyModel(GraphContext.create(g, Mode.EVAL, 99));
      s.restore(prefix);
      try (TFloat32 in = Tensors.floats(INPUT, image);
          Result r = s.runner().feed(m.image(), in).fetch(m.logits()).run()) {
        return Tensors.toFloats(r, 0);
      }
    }
  }

  @Test
  void servedOutputsMatchTheEvalGraphAndTheSignatureFollowsServingConventions() throws IOException {
    String prefix = checkpoint();
    float[] image = randomImage(42);
    float[] logits = evalLogits(prefix, image);
    // Softmax and argmax per pixel, in double, from the EVAL logits.
    int pixels = logits.length / K;
    float[] expectedProbs = new float[logits.length];
    int[] expectedLabels = new int[pixels];
    for (int p = 0; p < pixels; p++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < K; c++) {
        if (logits[p * K + c] > max) {
          max = logits[p * K + c];
          expectedLabels[p] = c;
        }
      }
      double sum = 0;
      for (int c = 0; c < K; c++) {
        sum += Math.exp(logits[p * K + c] - max);
      }
      for (int c = 0; c < K; c++) {
        expectedProbs[p * K + c] = (float) (Math.exp(logits[p * K + c] - max) / sum);
      }
    }

    Path dir = new SavedModelExporter(prefix)
        .export(tmp.resolve("exports"), "tiny", null, SavedModelExporterTest::tinyModel);
    assertEquals(tmp.resolve("exports").resolve("tiny").resolve("1"), dir, "first version is 1");
    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));

    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), SavedModelExporter.TAG)) {
      SignatureDef sig = bundle.metaGraphDef().getSignatureDefOrThrow("serving_default");
      assertEquals("tensorflow/serving/predict", sig.getMethodName());
      TensorInfo in = sig.getInputsOrThrow("image");
      assertEquals(DataType.DT_FLOAT, in.getDtype());
      assertEquals(-1, in.getTensorShape().getDim(0).getSize(), "batch dimension -1");
      assertEquals(List.of(8L, 8L, 2L),
          in.getTensorShape().getDimList().subList(1, 4).stream().map(d -> d.getSize())
              .collect(Collectors.toList()), "H, W, C");
      // Every signature's keys, dtypes and shapes, as TF Serving's metadata reports them.
      assertEquals(Set.of("serving_default", "predict_logits"), bundle.metaGraphDef().getSignatureDefMap().keySet(),
          "no serving_bytes without an encoded-image path, no serving_all_modalities without a mask");
      assertEquals(Map.of("image", "DT_FLOAT [-1, 8, 8, 2]"), describe(sig.getInputsMap()));
      assertEquals(Map.of("probabilities", "DT_FLOAT [-1, 8, 8, 3]", "labels", "DT_INT32 [-1, 8, 8]",
          "mask_png_bytes", "DT_STRING [-1]"), describe(sig.getOutputsMap()));
      SignatureDef logitsSig = bundle.metaGraphDef().getSignatureDefOrThrow("predict_logits");
      assertEquals("tensorflow/serving/predict", logitsSig.getMethodName());
      assertEquals(Map.of("image", "DT_FLOAT [-1, 8, 8, 2]"), describe(logitsSig.getInputsMap()));
      assertEquals(Map.of("logits", "DT_FLOAT [-1, 8, 8, 3]"), describe(logitsSig.getOutputsMap()));

      try (TFloat32 input = Tensors.floats(INPUT, image);
          Result r = bundle.function("serving_default").call(Map.of("image", input))) {
        Tensor probs = r.get("probabilities").orElseThrow();
        Tensor labels = r.get("labels").orElseThrow();
        assertArrayEquals(new long[] {3, 8, 8, K}, probs.shape().asArray());
        float[] served = Tensors.toFloats(probs);
        for (int i = 0; i < served.length; i++) {
          assertEquals(expectedProbs[i], served[i], TOL, "probability " + i + " (tolerance " + TOL + ")");
        }
        assertArrayEquals(expectedLabels, Tensors.toInts(labels), "argmax labels");
        // mask_png_bytes: one 8-bit grey PNG per image whose pixels are that image's labels.
        TString pngs = (TString) r.get("mask_png_bytes").orElseThrow();
        assertArrayEquals(new long[] {3}, pngs.shape().asArray());
        int perImage = pixels / 3;
        for (int n = 0; n < 3; n++) {
          BufferedImage png = ImageIO.read(new ByteArrayInputStream(pngs.asBytes().getObject(n)));
          assertEquals(8, png.getWidth());
          assertEquals(8, png.getHeight());
          for (int p = 0; p < perImage; p++) {
            assertEquals(expectedLabels[n * perImage + p], png.getRaster().getSample(p % 8, p / 8, 0),
                "image " + n + " pixel " + p);
          }
        }
      }
    }
  }

  /** Each entry as "DTYPE [dims]", -1 for unknown sizes. */
  private static Map<String, String> describe(Map<String, TensorInfo> entries) {
    Map<String, String> out = new java.util.TreeMap<>();
    entries.forEach((k, v) -> out.put(k, v.getDtype() + " " + v.getTensorShape().getDimList().stream()
        .map(d -> d.getSize()).collect(Collectors.toList())));
    return out;
  }

  @Test
  void versionsCountUpAndAreNeverOverwritten() throws IOException {
    String prefix = checkpoint();
    SavedModelExporter exporter = new SavedModelExporter(prefix);
    Path base = tmp.resolve("exports");
    Path first = exporter.export(base, "tiny", null, SavedModelExporterTest::tinyModel);
    Path second = exporter.export(base, "tiny", null, SavedModelExporterTest::tinyModel);
    assertEquals("1", first.getFileName().toString());
    assertEquals("2", second.getFileName().toString());
    Path explicit = exporter.export(base, "tiny", 7L, SavedModelExporterTest::tinyModel);
    assertEquals("7", explicit.getFileName().toString());
    assertEquals("8", exporter.export(base, "tiny", null, SavedModelExporterTest::tinyModel)
        .getFileName().toString(), "next after the highest");

    long before = Files.getLastModifiedTime(second.resolve("saved_model.pb")).toMillis();
    DelineoException e = assertThrows(DelineoException.class,
        () -> exporter.export(base, "tiny", 2L, SavedModelExporterTest::tinyModel));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    assertEquals(before, Files.getLastModifiedTime(second.resolve("saved_model.pb")).toMillis(),
        "version 2 untouched");
    try (Stream<Path> entries = Files.list(base.resolve("tiny"))) {
      assertEquals(List.of("1", "2", "7", "8"),
          entries.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()),
          "only version directories, no staging leftovers");
    }
  }

  /**
   * A process killed after writing its staging directory but before the rename leaves a complete
   * SavedModel under a non-numeric {@code .tmp-} name: no version a server would load, not counted
   * by the next export, and not touched by it (it might belong to a concurrent exporter).
   */
  @Test
  void aCrashBeforeTheRenameLeavesNoVersion() throws IOException {
    SavedModelExporter exporter = new SavedModelExporter(checkpoint());
    Path base = tmp.resolve("exports");
    Path first = exporter.export(base, "tiny", null, SavedModelExporterTest::tinyModel);
    Path crashed = Files.createDirectories(base.resolve("tiny/.tmp-tiny-crashed"));
    try (Stream<Path> files = Files.walk(first)) {
      for (Path f : files.toList()) {
        Path to = crashed.resolve(first.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    assertTrue(Files.isRegularFile(crashed.resolve("saved_model.pb")), "a complete SavedModel in staging");
    assertEquals(List.of(1L), ModelVersions.all(base.resolve("tiny")), "the staging directory is no version");
    assertEquals("2", exporter.export(base, "tiny", null, SavedModelExporterTest::tinyModel)
        .getFileName().toString());
    assertTrue(Files.isRegularFile(crashed.resolve("saved_model.pb")), "another exporter's staging is left alone");
  }

  @Test
  void clearErrorsAndNoLeftoversOnFailure() throws IOException {
    String prefix = checkpoint();
    Path base = tmp.resolve("exports");
    DelineoException missing = assertThrows(DelineoException.class,
        () -> new SavedModelExporter(tmp.resolve("nope").toString())
            .export(base, "tiny", null, SavedModelExporterTest::tinyModel));
    assertTrue(missing.getMessage().contains("nope.index"), missing.getMessage());

    ModelBuilder fixedBatch = ctx -> {
      Operand<TFloat32> image =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(3, 8, 8, 2)));
      return new PredictGraph(image, image);
    };
    DelineoException batch = assertThrows(DelineoException.class,
        () -> new SavedModelExporter(prefix).export(base, "tiny", null, fixedBatch));
    assertTrue(batch.getMessage().contains("batch dimension must be -1"), batch.getMessage());

    ModelBuilder otherNames = ctx -> {
      Operand<TFloat32> image = ctx.tf()
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 2)));
      Operand<TFloat32> logits = Conv2d.builder("other.conv", K).build().apply(ctx, image);
      return new PredictGraph(image, logits);
    };
    DelineoException restore = assertThrows(DelineoException.class,
        () -> new SavedModelExporter(prefix).export(base, "tiny", null, otherNames));
    assertTrue(restore.getMessage().contains("does not fit the model")
        && restore.getMessage().contains("other.conv.weight: missing from the checkpoint"), restore.getMessage());

    assertThrows(DelineoException.class,
        () -> new SavedModelExporter(prefix).export(base, "../evil", null, SavedModelExporterTest::tinyModel));
    assertFalse(Files.exists(base), "failed exports leave nothing behind, not even the base they would create");

    Files.createDirectories(base);
    assertThrows(DelineoException.class,
        () -> new SavedModelExporter(prefix).export(base, "tiny", null, otherNames));
    try (Stream<Path> entries = Files.list(base)) {
      assertEquals(0, entries.count(), "nor a model directory in an existing base");
    }
  }

  /**
   * The raw input of {@code normalize} must have dynamic spatial sizes (windowing clients send the
   * whole case), and {@code predict_normalized}'s image the shape of {@code serving_default}'s.
   */
  @Test
  void normalizedPathShapesAreChecked() throws IOException {
    String prefix = checkpoint();
    Path base = tmp.resolve("exports");
    ModelBuilder fixedRaw = ctx -> withPath(ctx, Shape.of(-1, 8, 8, 2), Shape.of(-1, 8, 8, 2));
    DelineoException raw = assertThrows(DelineoException.class,
        () -> new SavedModelExporter(prefix).export(base, "tiny", null, fixedRaw));
    assertTrue(raw.getMessage().contains("normalize input image: expected shape [-1, -1, -1, 2]")
        && raw.getMessage().contains("found [-1, 8, 8, 2]"), raw.getMessage());
    ModelBuilder otherSize = ctx -> withPath(ctx, Shape.of(-1, -1, -1, 2), Shape.of(-1, 4, 4, 2));
    DelineoException size = assertThrows(DelineoException.class,
        () -> new SavedModelExporter(prefix).export(base, "tiny", null, otherSize));
    assertTrue(size.getMessage().contains("predict_normalized input image")
        && size.getMessage().contains("[-1, 8, 8, 2]") && size.getMessage().contains("found [-1, 4, 4, 2]"),
        size.getMessage());
  }

  /** {@link #tinyModel} with a normalised path whose raw input is {@code raw} and normalised input {@code normalized}. */
  private static PredictGraph withPath(GraphContext ctx, Shape raw, Shape normalized) {
    Operand<TFloat32> rawImage = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(raw));
    Operand<TFloat32> image = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(normalized));
    Operand<TFloat32> h = Conv2d.builder("head.conv", K).kernel(3).build().apply(ctx, image);
    return tinyModel(ctx).withNormalizedPath(new NormalizedPath(rawImage, rawImage, image,
        new BatchNorm("head.bn").apply(ctx, h), null));
  }

  @Test
  void warmupFileIsInTheVersionWhenItAppears() throws IOException {
    String prefix = checkpoint();
    Path base = tmp.resolve("exports");
    WarmupInput sample = WarmupInput.synthetic(new long[] {8, 8, 2}, 5);
    Path dir = new SavedModelExporter(prefix).withWarmup(List.of(sample), 2)
        .export(base, "tiny", null, SavedModelExporterTest::tinyModel);
    Path warmup = dir.resolve("assets.extra").resolve("tf_serving_warmup_requests");
    assertTrue(Files.isRegularFile(warmup), "warm-up file in the version directory");
    assertEquals(2, WarmupWriterTest.readTfRecords(warmup).size());
    try (Stream<Path> entries = Files.list(base.resolve("tiny"))) {
      assertEquals(List.of("1"), entries.map(p -> p.getFileName().toString()).toList(),
          "no staging leftovers");
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), SavedModelExporter.TAG)) {
      assertTrue(bundle.metaGraphDef().containsSignatureDef("serving_default"), "still loads");
    }

    WarmupInput wrong = WarmupInput.synthetic(new long[] {4, 4, 2}, 5);
    DelineoException e = assertThrows(DelineoException.class,
        () -> new SavedModelExporter(prefix).withWarmup(List.of(wrong), 1)
            .export(base, "tiny", null, SavedModelExporterTest::tinyModel));
    assertTrue(e.getMessage().contains("warm-up input"), e.getMessage());
    try (Stream<Path> entries = Files.list(base.resolve("tiny"))) {
      assertEquals(List.of("1"), entries.map(p -> p.getFileName().toString()).toList(),
          "a failed export leaves no version and no staging directory");
    }
  }

  /**
   * The config and provenance travel in the version's assets.extra/delineo and are already in the
   * staging directory when it is renamed: a published version always has them. They read back as
   * written, and TF Serving's loader still accepts the version.
   */
  @Test
  void recordIsInTheStagingDirectoryBeforeTheVersionAppears() throws IOException {
    String prefix = checkpoint();
    Path base = tmp.resolve("exports");
    String config = "name: \"tiny\"\nmodel { unet { channels: [4, 8] } }\n";
    String provenance = "{\n  \"model\": \"unet\",\n  \"checkpoint_step\": 7\n}\n";
    SavedModelExporter exporter = new SavedModelExporter(prefix).withRecord(new ModelRecord(config, provenance));
    List<String> stagedBeforeRename = new java.util.ArrayList<>();
    exporter.onBeforeRename(v -> {
      try (Stream<Path> entries = Files.list(base.resolve("tiny"))) {
        for (Path staging : entries.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList()) {
          Path folder = staging.resolve("assets.extra/delineo");
          for (String name : List.of("config.pbtxt", "provenance.json")) {
            if (Files.isRegularFile(folder.resolve(name))) {
              stagedBeforeRename.add(name);
            }
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Path dir = exporter.export(base, "tiny", null, SavedModelExporterTest::tinyModel);
    assertEquals(List.of("config.pbtxt", "provenance.json"), stagedBeforeRename);
    assertEquals(config, Files.readString(dir.resolve("assets.extra/delineo/config.pbtxt")));
    assertEquals(provenance, Files.readString(dir.resolve("assets.extra/delineo/provenance.json")));
    ModelRecord read = ModelRecord.ofSavedModel(dir).orElseThrow();
    assertEquals(config, read.configText());
    assertEquals(Map.of("model", "unet", "checkpoint_step", 7L), read.provenance());
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), SavedModelExporter.TAG)) {
      assertTrue(bundle.metaGraphDef().containsSignatureDef("serving_default"), "still loads");
    }
    Path plain = new SavedModelExporter(prefix).export(base, "tiny", null, SavedModelExporterTest::tinyModel);
    assertTrue(ModelRecord.ofSavedModel(plain).isEmpty(), "an export without a record has none");
  }
}
