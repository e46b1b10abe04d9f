package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.Conv3d;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Predictor on tiny exported models whose logits are a known 1×1 convolution (optionally of the
 * input plus its spatial mean). Expected values are computed in plain Java in this test.
 */
class PredictorTest {
  /** Element-wise tolerance on probabilities (float32 model vs double reference / whole image). */
  private static final double TOL = 1e-6;
  private static final int C = 2;
  private static final int K = 3;
  /** The 1×1 kernel, [C][K], and bias [K]. */
  private static final float[][] W = {{0.5f, -1.0f, 0.25f}, {1.5f, 0.3f, -0.7f}};
  private static final float[] B = {0.1f, -0.2f, 0.05f};

  @TempDir static Path tmp;
  private static Path dynamic2d;
  private static Path fixed2d;
  private static Path dynamic3d;
  private static Path meanShift2d;
  private static Path masked3d;

  // ---- models --------------------------------------------------------------------------------

  private static Operand<TFloat32> image(GraphContext ctx, long... dims) {
    return ctx.tf().withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  private static PredictGraph pointwise2d(GraphContext ctx, long h, long w) {
    Operand<TFloat32> x = image(ctx, -1, h, w, C);
    return new PredictGraph(x, Conv2d.builder("head", K).kernel(1).build().apply(ctx, x));
  }

  private static PredictGraph pointwise3d(GraphContext ctx) {
    Operand<TFloat32> x = image(ctx, -1, -1, -1, -1, C);
    return new PredictGraph(x, Conv3d.builder("head", K).kernel(1).build().apply(ctx, x));
  }

  /**
   * A multi-modal volume model (C modalities): modality_mask (default all true) zeroes the channels
   * of missing modalities, then the known 1×1×1 convolution.
   */
  private static PredictGraph masked3d(GraphContext ctx) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = image(ctx, -1, -1, -1, -1, C);
    Operand<TInt32> batch = tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TBool> all = tf.fill(tf.concat(List.of(batch, tf.constant(new int[] {C})), tf.constant(0)),
        tf.constant(true));
    Operand<TBool> mask = tf.withName("modality_mask").placeholderWithDefault(all, Shape.of(-1, C));
    Operand<TFloat32> keep = tf.reshape(tf.dtypes.cast(mask, TFloat32.class), tf.constant(new int[] {-1, 1, 1, 1, C}));
    Operand<TFloat32> logits = Conv3d.builder("head", K).kernel(1).build().apply(ctx, tf.math.mul(x, keep));
    return new PredictGraph(x, logits).withModalityMask(mask);
  }

  /** Fixed 4×4 input; logits = conv1x1(x + mean over H, W of x): not pointwise, sees the padding. */
  private static PredictGraph meanShift(GraphContext ctx) {
    Operand<TFloat32> x = image(ctx, -1, 4, 4, C);
    Ops tf = ctx.tf();
    Operand<TFloat32> shifted =
        tf.math.add(x, tf.math.mean(x, tf.constant(new int[] {1, 2}), Mean.keepDims(true)));
    return new PredictGraph(x, Conv2d.builder("head", K).kernel(1).build().apply(ctx, shifted));
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Variable<TFloat32>) v.ref();
  }

  /** A checkpoint of a model with the known kernel {@link #W} and bias {@link #B}. */
  private static String checkpoint(String name, ModelBuilder builder, long... kernelShape)
      throws IOException {
    String prefix = Files.createDirectories(tmp.resolve("ckpt-" + name)).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      builder.build(ctx);
      Ops tf = ctx.tf();
      float[] flat = new float[C * K];
      for (int c = 0; c < C; c++) {
        System.arraycopy(W[c], 0, flat, c * K, K);
      }
      Op setWeight = tf.assign(ref(ctx, "head.weight"),
          tf.reshape(tf.constant(flat), tf.constant(kernelShape)));
      Op setBias = tf.assign(ref(ctx, "head.bias"), tf.constant(B));
      s.initialize();
      s.runner().addTarget(setWeight).addTarget(setBias).run().close();
      s.save(prefix);
    }
    return prefix;
  }

  @BeforeAll
  static void exportModels() throws IOException {
    Path base = tmp.resolve("exports");
    String ckpt2d = checkpoint("2d", ctx -> pointwise2d(ctx, -1, -1), 1, 1, C, K);
    dynamic2d = new SavedModelExporter(ckpt2d).export(base, "dyn2d", null, ctx -> pointwise2d(ctx, -1, -1));
    fixed2d = new SavedModelExporter(ckpt2d).export(base, "fixed2d", null, ctx -> pointwise2d(ctx, 4, 4));
    meanShift2d = new SavedModelExporter(ckpt2d).export(base, "mean2d", null, PredictorTest::meanShift);
    String ckpt3d = checkpoint("3d", PredictorTest::pointwise3d, 1, 1, 1, C, K);
    dynamic3d = new SavedModelExporter(ckpt3d).export(base, "dyn3d", null, PredictorTest::pointwise3d);
    String ckptMasked = checkpoint("masked3d", PredictorTest::masked3d, 1, 1, 1, C, K);
    masked3d = new SavedModelExporter(ckptMasked).export(base, "masked3d", null, PredictorTest::masked3d);
  }

  // ---- plain-Java reference ------------------------------------------------------------------

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (2 * r.nextGaussian());
    }
    return v;
  }

  /** Softmax(x·W + b) per voxel, in double. */
  private static double[] pointwise(float[] x) {
    int voxels = x.length / C;
    double[] p = new double[voxels * K];
    for (int v = 0; v < voxels; v++) {
      double[] logits = new double[K];
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < K; k++) {
        logits[k] = B[k];
        for (int c = 0; c < C; c++) {
          logits[k] += (double) x[v * C + c] * W[c][k];
        }
        max = Math.max(max, logits[k]);
      }
      double sum = 0;
      for (int k = 0; k < K; k++) {
        sum += Math.exp(logits[k] - max);
      }
      for (int k = 0; k < K; k++) {
        p[v * K + k] = Math.exp(logits[k] - max) / sum;
      }
    }
    return p;
  }

  private static int[] argmax(double[] p) {
    int[] labels = new int[p.length / K];
    for (int v = 0; v < labels.length; v++) {
      for (int k = 1; k < K; k++) {
        if (p[v * K + k] > p[v * K + labels[v]]) {
          labels[v] = k;
        }
      }
    }
    return labels;
  }

  private static void assertMatches(double[] expected, Prediction actual, String what) {
    assertEquals(expected.length, actual.probabilities().length, what + ": value count");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual.probabilities()[i], TOL,
          what + ": probability " + i + " (tolerance " + TOL + ")");
    }
    assertArrayEquals(argmax(expected), actual.labels(), what + ": labels");
  }

  private static void assertSame(Prediction expected, Prediction actual, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
    double[] e = new double[expected.probabilities().length];
    for (int i = 0; i < e.length; i++) {
      e[i] = expected.probabilities()[i];
    }
    assertMatches(e, actual, what);
  }

  // ---- tests ---------------------------------------------------------------------------------

  @Test
  void predictionsEqualTheKnownFunctionAndBatchesAgree() {
    int[] shape = {5, 7, C};
    float[] a = random(5 * 7 * C, 1);
    float[] b = random(5 * 7 * C, 2);
    float[] c = random(5 * 7 * C, 3);
    try (Predictor p = Predictor.load(dynamic2d, SlidingWindowOptions.defaults().withBatchSize(2))) {
      assertArrayEquals(new long[] {-1, -1}, p.contract().spatial());
      Prediction one = p.predict(a, shape);
      assertArrayEquals(new int[] {5, 7}, one.shape());
      assertEquals(K, one.numClasses());
      assertMatches(pointwise(a), one, "single image");
      List<Prediction> batch = p.predictBatch(List.of(a, b, c), shape);
      assertEquals(3, batch.size());
      assertMatches(pointwise(a), batch.get(0), "batch[0]");
      assertMatches(pointwise(b), batch.get(1), "batch[1]");
      assertMatches(pointwise(c), batch.get(2), "batch[2] (second model call)");
    }
  }

  @Test
  void windowStartsCoverTheAxisWithTheLastAlignedToTheBorder() {
    SlidingWindowOptions o = SlidingWindowOptions.defaults();
    assertArrayEquals(new int[] {0, 2, 4, 5}, o.starts(9, 4), "stride 2");
    assertArrayEquals(new int[] {0, 2, 4}, o.starts(8, 4), "stride 2, divisible");
    assertArrayEquals(new int[] {0, 4, 5}, o.withOverlap(0).starts(9, 4), "stride 4");
    assertArrayEquals(new int[] {0, 3, 5}, o.withOverlap(0.25).starts(9, 4), "stride 3");
    assertArrayEquals(new int[] {0, 7, 14, 15}, o.withOverlap(0.3).starts(25, 10), "stride 7");
    assertArrayEquals(new int[] {0}, o.starts(4, 4), "one window");
    assertArrayEquals(new int[] {0, 1, 2}, o.withOverlap(0.9).starts(3, 1), "stride at least 1");
  }

  @Test
  void slidingWindows2dEqualWholeImageInference() {
    int[] shape = {7, 9, C};
    float[] x = random(7 * 9 * C, 4);
    Prediction whole;
    try (Predictor p = Predictor.load(dynamic2d)) {
      whole = p.predict(x, shape);
    }
    assertMatches(pointwise(x), whole, "whole image");
    Object[][] cases = {
        {new int[] {4, 4}, 0.5}, {new int[] {4, 4}, 0.0}, {new int[] {3, 5}, 0.25},
        {new int[] {7, 2}, 0.5}, {new int[] {1, 9}, 0.0}};
    for (Object[] c : cases) {
      int[] window = (int[]) c[0];
      double overlap = (double) c[1];
      SlidingWindowOptions o = SlidingWindowOptions.defaults()
          .withWindow(window).withOverlap(overlap).withBatchSize(3);
      try (Predictor p = Predictor.load(dynamic2d, o)) {
        assertSame(whole, p.predict(x, shape), "window " + Arrays.toString(window) + " overlap " + overlap);
      }
    }
  }

  @Test
  void slidingWindows3dEqualWholeVolumeInference() {
    int[] shape = {5, 6, 7, C};
    float[] x = random(5 * 6 * 7 * C, 5);
    Prediction whole;
    try (Predictor p = Predictor.load(dynamic3d)) {
      whole = p.predict(x, shape);
    }
    assertMatches(pointwise(x), whole, "whole volume");
    Object[][] cases = {
        {new int[] {3, 4, 4}, 0.5}, {new int[] {3, 4, 4}, 0.0}, {new int[] {2, 3, 5}, 0.25}};
    for (Object[] c : cases) {
      int[] window = (int[]) c[0];
      double overlap = (double) c[1];
      SlidingWindowOptions o = SlidingWindowOptions.defaults()
          .withWindow(window).withOverlap(overlap).withBatchSize(2);
      try (Predictor p = Predictor.load(dynamic3d, o)) {
        assertSame(whole, p.predict(x, shape), "window " + Arrays.toString(window) + " overlap " + overlap);
      }
    }
    // A volume smaller than the window on two axes: padded, then cropped back.
    float[] small = random(2 * 3 * 7 * C, 6);
    try (Predictor p = Predictor.load(dynamic3d, SlidingWindowOptions.defaults().withWindow(3, 4, 4))) {
      Prediction out = p.predict(small, new int[] {2, 3, 7, C});
      assertArrayEquals(new int[] {2, 3, 7}, out.shape());
      assertMatches(pointwise(small), out, "small volume");
    }
  }

  @Test
  void fixedSizeModelTilesLargerAndPadsSmallerInputs() {
    try (Predictor p = Predictor.load(fixed2d)) {
      assertArrayEquals(new long[] {4, 4}, p.contract().spatial());
      float[] large = random(6 * 9 * C, 7);
      Prediction out = p.predict(large, new int[] {6, 9, C});
      assertArrayEquals(new int[] {6, 9}, out.shape());
      assertMatches(pointwise(large), out, "larger than the input size");

      float[] small = random(3 * 2 * C, 8);
      Prediction cropped = p.predict(small, new int[] {3, 2, C});
      assertArrayEquals(new int[] {3, 2}, cropped.shape());
      assertMatches(pointwise(small), cropped, "smaller than the input size");

      float[] mixed = random(3 * 9 * C, 9);
      assertMatches(pointwise(mixed), p.predict(mixed, new int[] {3, 9, C}), "smaller and larger");

      List<Prediction> batch = p.predictBatch(List.of(small, small), new int[] {3, 2, C});
      assertMatches(pointwise(small), batch.get(1), "batch of padded inputs");
    }
  }

  /** Expected output of the mean-shift model for a small 2D input padded to 4×4 and cropped back. */
  private static double[] meanShiftExpected(float[] x, int h, int w, PadMode mode) {
    float[] padded = new float[4 * 4 * C];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        boolean inside = i < h && j < w;
        if (!inside && mode == PadMode.ZERO) {
          continue;
        }
        int si = Math.min(i, h - 1);
        int sj = Math.min(j, w - 1);
        for (int c = 0; c < C; c++) {
          padded[(i * 4 + j) * C + c] = x[(si * w + sj) * C + c];
        }
      }
    }
    double[] mean = new double[C];
    for (int v = 0; v < 16; v++) {
      for (int c = 0; c < C; c++) {
        mean[c] += padded[v * C + c] / 16.0;
      }
    }
    float[] shifted = new float[h * w * C];
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < w; j++) {
        for (int c = 0; c < C; c++) {
          shifted[(i * w + j) * C + c] = (float) (padded[(i * 4 + j) * C + c] + mean[c]);
        }
      }
    }
    return pointwise(shifted);
  }

  @Test
  void padModesFillSmallInputsWithZerosOrTheBorder() {
    float[] x = random(3 * 2 * C, 10);
    Prediction zero;
    Prediction edge;
    try (Predictor p = Predictor.load(meanShift2d)) {
      zero = p.predict(x, new int[] {3, 2, C});
    }
    try (Predictor p = Predictor.load(meanShift2d, SlidingWindowOptions.defaults().withPadMode(PadMode.EDGE))) {
      edge = p.predict(x, new int[] {3, 2, C});
    }
    assertMatches(meanShiftExpected(x, 3, 2, PadMode.ZERO), zero, "zero padding");
    assertMatches(meanShiftExpected(x, 3, 2, PadMode.EDGE), edge, "edge padding");
    assertFalse(Arrays.equals(zero.probabilities(), edge.probabilities()), "the pad mode matters here");
  }

  @Test
  void modalityMaskActsAsZeroingThoseModalitiesWholeAndInSlidingWindows() {
    int[] shape = {3, 5, 6, C};
    float[] x = random(3 * 5 * 6 * C, 11);
    boolean[] secondMissing = {true, false};
    float[] zeroed = x.clone();
    for (int i = 1; i < zeroed.length; i += C) {
      zeroed[i] = 0f; // modality 1 of C = 2
    }
    try (Predictor p = Predictor.load(masked3d)) {
      assertEquals(C, p.contract().modalities());
      Prediction masked = p.predict(x, shape, secondMissing);
      assertMatches(pointwise(zeroed), masked, "masked volume vs reference on zeroed input");
      assertSame(p.predict(zeroed, shape), masked, "masked vs zeroed modality, all-modalities signature");
      assertMatches(pointwise(x), p.predict(x, shape), "no mask: all modalities present");
      assertMatches(pointwise(x), p.predict(x, shape, new boolean[] {true, true}), "all-true mask");
      assertFalse(Arrays.equals(masked.probabilities(), p.predict(x, shape).probabilities()),
          "the mask changes the result");
    }
    // Windows 2x3x4 with batch 2: several windows per call, each must get the mask.
    SlidingWindowOptions o = SlidingWindowOptions.defaults().withWindow(2, 3, 4).withOverlap(0.5).withBatchSize(2);
    try (Predictor p = Predictor.load(masked3d, o)) {
      assertMatches(pointwise(zeroed), p.predict(x, shape, secondMissing), "masked, sliding windows");
    }
  }

  @Test
  void modalityMaskErrorsNameTheModelExpectedAndFound() {
    try (Predictor p = Predictor.load(masked3d)) {
      ShapeMismatchException length = assertThrows(ShapeMismatchException.class,
          () -> p.predict(new float[2 * 2 * 2 * C], new int[] {2, 2, 2, C}, new boolean[] {true, false, true}));
      assertTrue(length.getMessage().contains("expects 2 flags") && length.getMessage().contains("found 3")
          && length.getMessage().contains(masked3d.toString()), length.getMessage());
    }
    try (Predictor p = Predictor.load(dynamic3d)) {
      assertEquals(0, p.contract().modalities());
      DelineoException none = assertThrows(DelineoException.class,
          () -> p.predict(new float[2 * 2 * 2 * C], new int[] {2, 2, 2, C}, new boolean[] {true, true}));
      assertTrue(none.getMessage().contains("modality_mask") && none.getMessage().contains(dynamic3d.toString()),
          none.getMessage());
    }
  }

  @Test
  void clearErrors() throws IOException {
    Path missing = tmp.resolve("no-such-model");
    DelineoException e = assertThrows(DelineoException.class, () -> Predictor.load(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

    // A SavedModel whose only signature has another key.
    Path other = tmp.resolve("other-signature");
    try (Graph g = new Graph(); Session s = new Session(g)) {
      PredictGraph m = pointwise2d(GraphContext.create(g, Mode.PREDICT, 1), -1, -1);
      s.initialize();
      SavedModelBundle.exporter(other.toString()).withSession(s)
          .withSignature(Signature.builder().key("other").methodName(SavedModelExporter.METHOD_NAME)
              .input("image", m.image()).output("probabilities", m.logits()).build())
          .export();
    }
    DelineoException sig = assertThrows(DelineoException.class, () -> Predictor.load(other));
    assertTrue(sig.getMessage().contains("serving_default") && sig.getMessage().contains(other.toString()),
        sig.getMessage());

    try (Predictor p = Predictor.load(dynamic2d)) {
      ShapeMismatchException channels = assertThrows(ShapeMismatchException.class,
          () -> p.predict(new float[4 * 4 * 3], new int[] {4, 4, 3}));
      assertTrue(channels.getMessage().contains("expects 2 channels, found 3"), channels.getMessage());
      assertThrows(ShapeMismatchException.class, () -> p.predict(new float[5], new int[] {4, 4, 2}));
    }
    ShapeMismatchException window = assertThrows(ShapeMismatchException.class,
        () -> Predictor.load(fixed2d, SlidingWindowOptions.defaults().withWindow(8, 8)));
    assertTrue(window.getMessage().contains("fixed input size"), window.getMessage());
  }
}
