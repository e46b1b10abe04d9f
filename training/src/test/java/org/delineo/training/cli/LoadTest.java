package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.layers.Conv2d;
import org.delineo.serving.PredictGraph;
import org.delineo.serving.Prediction;
import org.delineo.serving.Predictor;
import org.delineo.serving.SavedModelExporter;
import org.delineo.serving.load.LoadPlan;
import org.delineo.serving.load.LoadReport;
import org.delineo.serving.load.LoadRun;
import org.delineo.serving.load.RestModelCall;
import org.delineo.serving.rest.TfServingClient;
import org.delineo.serving.rest.TfServingException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Load over REST and from the CLI: a tiny 2D export (a fixed 1×1 convolution, any input size)
 * behind {@link SavedModelServer}, which runs the real SavedModel and answers concurrently. 200
 * requests from 8 threads through {@link TfServingClient} equal {@link Predictor}'s answers on the
 * same export; a request the model rejects is a {@link TfServingException} carrying the server's
 * message; {@code delineo load} prints the summary and JSON.
 */
class LoadTest {
  private static final int C = 2;
  private static final int K = 3;

  @TempDir static Path dir;
  private static Path model;

  @BeforeAll
  static void export() throws IOException {
    String prefix = Files.createDirectories(dir.resolve("ckpt")).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      pointwise(ctx);
      Ops tf = ctx.tf();
      Op weight = tf.assign(variable(ctx, "head.weight"), tf.reshape(
          tf.constant(new float[] {0.5f, -1.0f, 0.25f, 1.5f, 0.3f, -0.7f}), tf.constant(new long[] {1, 1, C, K})));
      Op bias = tf.assign(variable(ctx, "head.bias"), tf.constant(new float[] {0.1f, -0.2f, 0.05f}));
      s.initialize();
      s.runner().addTarget(weight).addTarget(bias).run().close();
      s.save(prefix);
    }
    model = new SavedModelExporter(prefix).export(dir.resolve("exports"), "tiny", null, LoadTest::pointwise);
  }

  private static PredictGraph pointwise(GraphContext ctx) {
    Operand<TFloat32> x = ctx.tf().withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, C)));
    return new PredictGraph(x, Conv2d.builder("head", K).kernel(1).build().apply(ctx, x));
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> variable(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Variable<TFloat32>) v.ref();
  }

  @Test
  void restRequestsFromEightThreadsAnswerLikePredictorAndServerErrorsComeBackClearly() throws IOException {
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve");
        Predictor predictor = Predictor.load(model);
        SavedModelServer fake = new SavedModelServer(bundle)) {
      RestModelCall rest = RestModelCall.of(TfServingClient.builder(fake.url(), "tiny").build());
      assertEquals("serving_default", rest.signature());
      LoadPlan plan = new LoadPlan(200, 8, 16, LoadPlan.parseSizes("16x16,24x20,12x28,5x9", C), 11, K);
      // The reference is the in-JVM Predictor from one call at a time per input; JSON carries
      // floats exactly (shortest round-trip text), so the answers agree to float rounding.
      LoadReport report = new LoadRun(plan, rest).withReference(predictor::predict, 1e-6).run();
      System.out.println("REST load: " + report.summary());
      assertEquals(200, report.requests());
      assertEquals(0, report.errors(), report.failures().toString());
      assertEquals(0, report.wrong(), report.failures().toString());
      // Measured: +12.5 MiB over 1 000 such requests (client, fake server and model in this JVM).
      assertTrue(report.rssGrowthBytes() < 64L << 20, "RSS growth over 64 MiB: " + report.summary());

      // Three channels to a two-channel model: the server's TensorFlow error, as TF Serving sends it.
      TfServingException channels = assertThrows(TfServingException.class,
          () -> rest.predict(new float[4 * 4 * 3], new int[] {4, 4, 3}));
      assertEquals(400, channels.httpStatus());
      assertTrue(channels.getMessage().contains("HTTP 400") && channels.getMessage().contains(fake.url())
          && channels.getMessage().contains("Exception"), channels.getMessage());
      // No values at all.
      TfServingException empty = assertThrows(TfServingException.class,
          () -> rest.predict(new float[0], new int[] {0, 4, C}));
      assertEquals(400, empty.httpStatus(), empty.getMessage());

      float[] x = new float[6 * 7 * C];
      for (int i = 0; i < x.length; i++) {
        x[i] = (i % 5) * 0.4f - 1;
      }
      Prediction after = rest.predict(x, new int[] {6, 7, C});
      Prediction expected = predictor.predict(x, new int[] {6, 7, C});
      assertArrayEquals(expected.labels(), after.labels(), "still served after the errors");
      assertEquals(Arrays.toString(expected.shape()), Arrays.toString(after.shape()));
    }
  }

  @Test
  void loadCommandPrintsTheSummaryForModelAndServer() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, cli.run(new String[] {"load", "--model", model.toString(), "--requests", "40", "--threads", "4",
        "--sizes", "16x16,24x20"}), err.toString(StandardCharsets.UTF_8));
    String summary = out.toString(StandardCharsets.UTF_8);
    assertTrue(summary.matches("(?s)40 requests from 4 threads \\(after 32 warm-up\\): [0-9.]+ req/s, p50 [0-9.]+ ms,"
        + " p99 [0-9.]+ ms; 0 wrong, 0 errors; RSS [0-9]+ MiB after warm-up, [0-9]+ MiB at the end \\([-+][0-9.]+ MiB\\)\\s*"),
        summary);

    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve");
        SavedModelServer fake = new SavedModelServer(bundle)) {
      out.reset();
      assertEquals(0, cli.run(new String[] {"load", "--server", fake.url(), "--name", "tiny", "--requests", "24",
          "--threads", "3", "--warmup", "3", "--sizes", "8x8,5x12", "--json"}), err.toString(StandardCharsets.UTF_8));
      String json = out.toString(StandardCharsets.UTF_8).strip();
      assertTrue(json.startsWith("{\"requests\":24,\"threads\":3,\"warmup\":3,") && json.contains("\"wrong\":0,\"errors\":0")
          && json.contains("\"p99_ms\":") && json.contains("\"rss_growth_mb\":") && json.endsWith("}"), json);
      // 3 warm-up + 24 measured predicts after one metadata request.
      assertEquals(1 + 3 + 24, fake.requests.size());
    }

    // Mistakes are one line and exit status 2; answers that fail give 1.
    err.reset();
    assertEquals(2, cli.run(new String[] {"load", "--model", model.toString(), "--sizes", "16x16x16"}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("takes 2D inputs, expected HxW sizes"),
        err.toString(StandardCharsets.UTF_8));
    err.reset();
    assertEquals(2, cli.run(new String[] {"load", "--requests", "5"}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("exactly one of --model"), err.toString(StandardCharsets.UTF_8));
    out.reset();
    assertEquals(1, cli.run(new String[] {"load", "--model", model.toString(), "--requests", "4", "--threads", "2",
        "--warmup", "0", "--sizes", "8x8", "--channels", "3"}));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("4 errors")
        && out.toString(StandardCharsets.UTF_8).contains("expects 2 channels, found 3"), out.toString(StandardCharsets.UTF_8));
  }
}
