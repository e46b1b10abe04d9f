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
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.layers.Conv2d;
import org.delineo.serving.PredictGraph;
import org.delineo.serving.Predictor;
import org.delineo.serving.SavedModelExporter;
import org.delineo.training.data.io.DecodedImage;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.io.ImageWriter;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * {@code delineo predict --logits-out}: with a tiny exported pointwise model (a 1×1 convolution
 * from one grey channel to three classes, no normalisation), every written logit must be
 * {@code x·W[k] + b[k]} computed here in plain Java, softmax of the logits must be the
 * probabilities {@link Predictor} answers, and their argmax the labels the same call wrote.
 */
class PredictLogitsTest {
  private static final float[] W = {1f, -2f, 0.5f};
  private static final float[] B = {0.1f, 0.2f, -0.3f};
  private static final int K = W.length;
  private static final int H = 5;
  private static final int WIDTH = 7;

  @TempDir static Path shared;
  private static Path model;
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8));

  private static PredictGraph build(GraphContext ctx) {
    Ops tf = ctx.tf();
    Operand<TFloat32> image = tf.withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 1)));
    return new PredictGraph(image, Conv2d.builder("head", K).kernel(1).build().apply(ctx, image));
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Variable<TFloat32>) v.ref();
  }

  @BeforeAll
  static void export() throws IOException {
    String prefix = Files.createDirectories(shared.resolve("ckpt")).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      build(ctx);
      Ops tf = ctx.tf();
      Op weight = tf.assign(ref(ctx, "head.weight"), tf.reshape(tf.constant(W), tf.constant(new long[] {1, 1, 1, K})));
      Op bias = tf.assign(ref(ctx, "head.bias"), tf.constant(B));
      s.initialize();
      s.runner().addTarget(weight).addTarget(bias).run().close();
      s.save(prefix);
    }
    model = new SavedModelExporter(prefix).export(shared.resolve("exports"), "pointwise", null, PredictLogitsTest::build);
  }

  /** A grey PNG of small values (0..12), so that no class's softmax saturates. */
  private Path image() {
    float[] grey = new float[H * WIDTH];
    for (int i = 0; i < grey.length; i++) {
      grey[i] = (i * 5) % 13;
    }
    Path file = dir.resolve("scene.png");
    ImageWriter.writePng(file, new DecodedImage(H, WIDTH, 1, grey));
    return file;
  }

  @Test
  void logitsArePointwiseLinearAndSoftmaxToThePredictedProbabilities() {
    Path png = image();
    Path logitsDir = dir.resolve("logits");
    assertEquals(0, cli.run(new String[] {"predict", "--model", model.toString(), "--input", png.toString(),
        "--out", dir.resolve("out").toString(), "--logits-out", logitsDir.toString()}), err.toString(StandardCharsets.UTF_8));
    Path file = logitsDir.resolve("scene_logits.npy");
    assertTrue(out.toString(StandardCharsets.UTF_8).contains(file.toString()), out.toString(StandardCharsets.UTF_8));
    NpyArray logits = NpyReader.read(file);
    assertEquals("<f4", logits.dtype());
    assertArrayEquals(new int[] {H, WIDTH, K}, logits.shape());
    float[] x = ImageReader.read(png).data();
    float[] probabilities;
    try (Predictor p = Predictor.load(model)) {
      probabilities = p.predict(x, new int[] {H, WIDTH, 1}).probabilities();
    }
    DecodedImage labels = ImageReader.read(dir.resolve("out").resolve("scene_labels.png"));
    float[] l = logits.floatData();
    for (int i = 0; i < H * WIDTH; i++) {
      double sum = 0;
      int argmax = 0;
      for (int k = 0; k < K; k++) {
        assertEquals(x[i] * W[k] + B[k], l[i * K + k], 1e-5, "pixel " + i + " class " + k);
        sum += Math.exp(l[i * K + k]);
        argmax = l[i * K + k] > l[i * K + argmax] ? k : argmax;
      }
      for (int k = 0; k < K; k++) {
        assertEquals(probabilities[i * K + k], Math.exp(l[i * K + k]) / sum, 1e-5, "softmax, pixel " + i + " class " + k);
      }
      assertEquals(argmax, (int) labels.data()[i], "label of pixel " + i);
    }
  }

  @Test
  void inputsNeedingSlidingWindowsAreRefusedBeforeAnyFileIsWritten() {
    Path png = image();
    Path outDir = dir.resolve("out");
    Path logitsDir = dir.resolve("logits");
    assertEquals(2, cli.run(new String[] {"predict", "--model", model.toString(), "--input", png.toString(),
        "--out", outDir.toString(), "--logits-out", logitsDir.toString(), "--window", "4,4"}));
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains("sliding windows") && message.contains("[4, 4]"), message);
    assertFalse(Files.exists(outDir.resolve("scene_labels.png")), "no labels written");
    assertFalse(Files.exists(logitsDir), "no logits folder");
  }

  @Test
  void logitsOutNeedsModel() {
    assertEquals(2, cli.run(new String[] {"predict", "--server", "http://localhost:1", "--name", "m", "--input",
        image().toString(), "--out", dir.resolve("out").toString(), "--logits-out", dir.resolve("logits").toString()}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("option --logits-out: expected --model DIR"),
        err.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(dir.resolve("out")), "nothing created");
  }
}
