package org.delineo.losses;

import static org.delineo.losses.LossTesting.evaluate;
import static org.delineo.losses.LossTesting.floats;
import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import org.delineo.graph.DelineoException;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.losses.LovaszSoftmaxLoss.Classes;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class LovaszSoftmaxLossTest {
  /** Absolute tolerance against the double-precision reference (losses lie in [0, max weight]). */
  private static final double TOL = 1e-5;
  /** Finite-difference step in the logits (GradientCheck eps). */
  private static final double GRAD_EPS = 1e-3;
  /** Scaled finite-difference error allowed (GradientCheck: max|Δ| / max(1, max|numeric|)). */
  private static final double GRAD_TOL = 1e-3;

  private static final int N = 2;
  private static final int K = 3;
  private static final Shape LOGITS = Shape.of(N, 3, 4, K);
  private static final Shape PIXELS = Shape.of(N, 3, 4);
  private static final int P = 24;

  // ---- independent plain-Java transcription of mmseg's lovasz_softmax (double precision) ----

  /**
   * mmseg {@code lovasz_softmax}: per image (or the whole batch) drop ignored pixels, then
   * {@code lovasz_softmax_flat}; mean over images. An empty set gives 0 (mmseg's probs * 0).
   */
  private static double reference(float[] z, int[] y, int images, int k, boolean perImage,
      boolean presentOnly, float[] w, int ignore) {
    if (!perImage) {
      return flat(z, y, 0, y.length, k, presentOnly, w, ignore);
    }
    int per = y.length / images;
    double sum = 0;
    for (int i = 0; i < images; i++) {
      sum += flat(z, y, i * per, (i + 1) * per, k, presentOnly, w, ignore);
    }
    return sum / images;
  }

  /** {@code lovasz_softmax_flat} over pixels [from, to) whose label is not {@code ignore}. */
  private static double flat(float[] z, int[] y, int from, int to, int k, boolean presentOnly,
      float[] w, int ignore) {
    List<double[]> probs = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (y[i] != ignore) { // really drop the pixel
        probs.add(LossTesting.softmax(z, i, k));
        labels.add(y[i]);
      }
    }
    if (labels.isEmpty()) {
      return 0;
    }
    int v = labels.size();
    List<Double> losses = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      double[] fg = new double[v];
      double[] errors = new double[v];
      double fgSum = 0;
      for (int i = 0; i < v; i++) {
        fg[i] = labels.get(i) == c ? 1 : 0;
        fgSum += fg[i];
        errors[i] = Math.abs(fg[i] - probs.get(i)[c]);
      }
      if (presentOnly && fgSum == 0) {
        continue;
      }
      Integer[] perm = new Integer[v];
      for (int i = 0; i < v; i++) {
        perm[i] = i;
      }
      Arrays.sort(perm, Comparator.comparingDouble((Integer i) -> errors[i]).reversed());
      double[] fgSorted = new double[v];
      for (int i = 0; i < v; i++) {
        fgSorted[i] = fg[perm[i]];
      }
      double[] grad = lovaszGrad(fgSorted);
      double loss = 0;
      for (int i = 0; i < v; i++) {
        loss += errors[perm[i]] * grad[i];
      }
      losses.add(w == null ? loss : loss * w[c]);
    }
    return losses.stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }

  /** mmseg {@code lovasz_grad}: Jaccard loss of each prefix, then first differences. */
  private static double[] lovaszGrad(double[] gtSorted) {
    int p = gtSorted.length;
    double gts = Arrays.stream(gtSorted).sum();
    double[] jaccard = new double[p];
    double cumFg = 0;
    double cumBg = 0;
    for (int i = 0; i < p; i++) {
      cumFg += gtSorted[i];
      cumBg += 1 - gtSorted[i];
      jaccard[i] = 1 - (gts - cumFg) / (gts + cumBg);
    }
    double[] grad = jaccard.clone();
    for (int i = 1; i < p; i++) {
      grad[i] = jaccard[i] - jaccard[i - 1];
    }
    return grad;
  }

  // ---- helpers ----

  private static float lovasz(LovaszSoftmaxLoss loss, Shape logits, Shape pixels, float[] z, int[] y) {
    return evaluate(logits, z, (tf, x) -> loss.apply(tf, x, ints(tf, pixels, y)));
  }

  /** The loss and d loss / d logits (flattened), for NaN checks. */
  private static float[][] lossAndGradient(Shape shape, float[] z,
      BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> loss = f.apply(tf, x);
      Output<?> grad = g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()})[0];
      try (Session s = new Session(g);
          TFloat32 in = Tensors.floats(shape, z);
          Result r = s.runner().feed(x, in).fetch(loss).fetch(grad).run()) {
        return new float[][] {{Tensors.scalar(r, 0)}, Tensors.toFloats(r, 1)};
      }
    }
  }

  private static void assertFinite(float[] values, String what) {
    for (float v : values) {
      assertTrue(Float.isFinite(v), what + " has a non-finite value: " + Arrays.toString(values));
    }
  }

  /**
   * Smallest gap between the errors of two kept pixels of the same class in one pixel set (the
   * batch, which contains each image's set). A step of GRAD_EPS in one logit moves one pixel's
   * errors by at most GRAD_EPS / 4 (|∂p/∂z| ≤ 1/4); with gaps above that the sort order cannot
   * change, so the loss is linear in the errors over the whole finite-difference stencil.
   */
  private static double minErrorGap(float[] z, int[] y, int k) {
    double gap = Double.POSITIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      List<Double> e = new ArrayList<>();
      for (int i = 0; i < y.length; i++) {
        if (y[i] != 255) {
          e.add(Math.abs((y[i] == c ? 1 : 0) - LossTesting.softmax(z, i, k)[c]));
        }
      }
      e.sort(null);
      for (int i = 1; i < e.size(); i++) {
        gap = Math.min(gap, e.get(i) - e.get(i - 1));
      }
    }
    return gap;
  }

  // ---- tests ----

  @Test
  void javadocExampleByHand() {
    float[] z = {0f, 0f, 0f, (float) Math.log(3)};
    int[] y = {0, 1};
    // class 0: g (1, 0), m (0.5, 0.25) → 0.5; class 1: g (0.5, 0.5), m (0.5, 0.25) → 0.375
    assertEquals(0.4375, lovasz(LovaszSoftmaxLoss.builder().build(), Shape.of(1, 1, 2, 2),
        Shape.of(1, 1, 2), z, y), TOL, "hand-computed example");
  }

  @Test
  void absentClassCountsItsLargestProbabilityUnderAll() {
    // One image of 3 pixels, all labelled 0; class 1 absent. p1 = sigmoid(z1 − z0).
    float[] z = {0f, -1f, 0f, 0.5f, 0f, -2f};
    int[] y = {0, 0, 0};
    double[] p1 = new double[3];
    for (int i = 0; i < 3; i++) {
      p1[i] = 1 / (1 + Math.exp(-(z[2 * i + 1] - z[2 * i])));
    }
    double mean = (p1[0] + p1[1] + p1[2]) / 3; // class 0: fg all 1 → g = (1/3, 1/3, 1/3), m = p1
    double max = Math.max(p1[0], Math.max(p1[1], p1[2])); // class 1: fg all 0 → g = (1, 0, 0)
    Shape logits = Shape.of(1, 1, 3, 2);
    Shape pixels = Shape.of(1, 1, 3);
    assertEquals((mean + max) / 2, lovasz(LovaszSoftmaxLoss.builder().build(), logits, pixels, z, y),
        TOL, "ALL: (mean p1 + max p1) / 2");
    assertEquals(mean, lovasz(LovaszSoftmaxLoss.builder().classes(Classes.PRESENT).build(),
        logits, pixels, z, y), TOL, "PRESENT: the absent class is skipped");
    assertEquals((0.5 * mean + 3 * max) / 2, lovasz(LovaszSoftmaxLoss.builder().classWeights(0.5f, 3f)
        .build(), logits, pixels, z, y), TOL, "class weights scale the terms, divisor stays 2");
  }

  @Test
  void matchesMmsegTranscriptionInEveryMode() {
    float[] w = {0.5f, 2f, 1.25f};
    for (double ignoredShare : new double[] {0, 0.3}) {
      float[] z = LossTesting.uniform(P * K, 11, -3, 3);
      int[] y = LossTesting.labels(P, K, ignoredShare, 12);
      for (boolean perImage : new boolean[] {true, false}) {
        for (Classes classes : Classes.values()) {
          for (float[] weights : new float[][] {null, w}) {
            LovaszSoftmaxLoss loss = LovaszSoftmaxLoss.builder().perImage(perImage).classes(classes)
                .classWeights(weights).build();
            assertEquals(
                reference(z, y, N, K, perImage, classes == Classes.PRESENT, weights, 255),
                lovasz(loss, LOGITS, PIXELS, z, y), TOL,
                "perImage=" + perImage + " classes=" + classes + " weights=" + Arrays.toString(weights)
                    + " ignored≈" + ignoredShare);
          }
        }
      }
    }
  }

  @Test
  void presentAndAbsentClassesPerImage() {
    // Image 0 has only classes 0 and 1, image 1 only class 2: ALL and PRESENT differ per image.
    float[] z = LossTesting.uniform(P * K, 13, -2, 2);
    int[] y = new int[P];
    for (int i = 0; i < P / 2; i++) {
      y[i] = i % 2;
      y[P / 2 + i] = i % 5 == 0 ? 255 : 2;
    }
    for (Classes classes : Classes.values()) {
      for (boolean perImage : new boolean[] {true, false}) {
        assertEquals(reference(z, y, N, K, perImage, classes == Classes.PRESENT, null, 255),
            lovasz(LovaszSoftmaxLoss.builder().classes(classes).perImage(perImage).build(),
                LOGITS, PIXELS, z, y), TOL, "classes=" + classes + " perImage=" + perImage);
      }
    }
  }

  @Test
  void ignoredPixelsEqualDroppingThem() {
    // The graph keeps ignored pixels (error −1, sorted last, zero weight); the result must equal
    // the loss of the image made of the kept pixels only, whatever the ignored pixels' logits are.
    int[] y = LossTesting.labels(12, K, 0.4, 14);
    float[] z = LossTesting.uniform(12 * K, 15, -3, 3);
    float[] zWild = z.clone();
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      if (y[i] == 255) {
        zWild[i * K] = 40f;
        zWild[i * K + 1] = -40f;
      } else {
        kept.add(i);
      }
    }
    float[] zKept = new float[kept.size() * K];
    int[] yKept = new int[kept.size()];
    for (int j = 0; j < kept.size(); j++) {
      System.arraycopy(z, kept.get(j) * K, zKept, j * K, K);
      yKept[j] = y[kept.get(j)];
    }
    for (Classes classes : Classes.values()) {
      LovaszSoftmaxLoss loss = LovaszSoftmaxLoss.builder().classes(classes).build();
      float dropped = lovasz(loss, Shape.of(1, 1, kept.size(), K), Shape.of(1, 1, kept.size()), zKept, yKept);
      assertEquals(reference(zKept, yKept, 1, K, true, classes == Classes.PRESENT, null, 255), dropped, TOL,
          "kept pixels only, " + classes);
      assertEquals(dropped, lovasz(loss, Shape.of(1, 3, 4, K), Shape.of(1, 3, 4), z, y), TOL,
          "with ignored pixels, " + classes);
      assertEquals(dropped, lovasz(loss, Shape.of(1, 3, 4, K), Shape.of(1, 3, 4), zWild, y), TOL,
          "ignored pixels' logits changed, " + classes);
    }
  }

  @Test
  void ignoreIndexInsideTheClassRange() {
    float[] z = LossTesting.uniform(P * K, 16, -3, 3);
    int[] y = LossTesting.labels(P, K, 0, 17);
    assertEquals(reference(z, y, N, K, true, false, null, 1),
        lovasz(LovaszSoftmaxLoss.builder().ignoreIndex(1).build(), LOGITS, PIXELS, z, y), TOL,
        "ignore index 1 (class 1 never foreground, still averaged under ALL)");
  }

  @Test
  void pixelWeightsAtOrBelowZeroDropPixels() {
    float[] z = LossTesting.uniform(P * K, 18, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.1, 19);
    float[] weights = LossTesting.uniform(P, 20, -0.5, 2);
    int[] masked = y.clone();
    for (int i = 0; i < P; i++) {
      if (weights[i] <= 0) {
        masked[i] = 255;
      }
    }
    for (boolean perImage : new boolean[] {true, false}) {
      LovaszSoftmaxLoss loss = LovaszSoftmaxLoss.builder().perImage(perImage).build();
      float v = evaluate(LOGITS, z,
          (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, y), floats(tf, PIXELS, weights)));
      assertEquals(reference(z, masked, N, K, perImage, false, null, 255), v, TOL,
          "weight ≤ 0 drops, positive weights do not scale; perImage=" + perImage);
    }
  }

  @Test
  void volumes() {
    Shape logits = Shape.of(2, 2, 2, 3, 4);
    Shape pixels = Shape.of(2, 2, 2, 3);
    float[] z = LossTesting.uniform(24 * 4, 21, -2, 2);
    int[] y = LossTesting.labels(24, 4, 0.2, 22);
    for (boolean perImage : new boolean[] {true, false}) {
      assertEquals(reference(z, y, 2, 4, perImage, false, null, 255),
          lovasz(LovaszSoftmaxLoss.builder().perImage(perImage).build(), logits, pixels, z, y), TOL,
          "3D input, perImage=" + perImage);
    }
  }

  @Test
  void unknownBatchAndSpatialSizes() {
    float[] z = LossTesting.uniform(P * K, 29, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 30);
    for (boolean perImage : new boolean[] {true, false}) {
      LovaszSoftmaxLoss loss = LovaszSoftmaxLoss.builder().perImage(perImage).build();
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, K)));
        Operand<TFloat32> v = loss.apply(tf, x, tf.placeholderWithDefault(ints(tf, PIXELS, y),
            Shape.of(-1, -1, -1)));
        try (Session s = new Session(g);
            TFloat32 in = Tensors.floats(LOGITS, z);
            Result r = s.runner().feed(x, in).fetch(v).run()) {
          assertEquals(reference(z, y, N, K, perImage, false, null, 255), Tensors.scalar(r, 0), TOL,
              "logits [?, ?, ?, K], perImage=" + perImage);
        }
      }
    }
  }

  @Test
  void allIgnoredGivesZeroWithZeroGradient() {
    float[] z = LossTesting.uniform(P * K, 23, -3, 3);
    int[] y = new int[P];
    Arrays.fill(y, 255);
    for (boolean perImage : new boolean[] {true, false}) {
      for (Classes classes : Classes.values()) {
        LovaszSoftmaxLoss loss = LovaszSoftmaxLoss.builder().perImage(perImage).classes(classes).build();
        float[][] r = lossAndGradient(LOGITS, z, (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, y)));
        assertEquals(0f, r[0][0], 0f, "all ignored, perImage=" + perImage + " " + classes);
        for (float gr : r[1]) {
          assertEquals(0f, gr, 0f, "gradient with every pixel ignored");
        }
      }
    }
  }

  @Test
  void oneImageAllIgnoredCountsAsZeroInTheMean() {
    float[] z = LossTesting.uniform(P * K, 24, -3, 3);
    int[] y = LossTesting.labels(P, K, 0, 25);
    Arrays.fill(y, 0, P / 2, 255);
    double secondImage = reference(Arrays.copyOfRange(z, P / 2 * K, P * K),
        Arrays.copyOfRange(y, P / 2, P), 1, K, true, false, null, 255);
    assertEquals(secondImage / 2, lovasz(LovaszSoftmaxLoss.builder().build(), LOGITS, PIXELS, z, y), TOL,
        "(0 + loss of image 1) / 2");
  }

  @Test
  void singleValidPixelByHand() {
    float[] z = {1f, -0.5f, 0.25f, 9f, 9f, 9f, 9f, 9f, 9f, 9f, 9f, 9f};
    int[] y = {2, 255, 255, 255};
    double py = LossTesting.softmax(z, 0, K)[2];
    Shape logits = Shape.of(1, 2, 2, K);
    Shape pixels = Shape.of(1, 2, 2);
    // Class y: error 1 − p_y, g = (1); other classes c: error p_c, g = (1); Σ_{c≠y} p_c = 1 − p_y.
    assertEquals(2 * (1 - py) / K, lovasz(LovaszSoftmaxLoss.builder().build(), logits, pixels, z, y),
        TOL, "ALL: 2 (1 − p_y) / K");
    assertEquals(1 - py, lovasz(LovaszSoftmaxLoss.builder().classes(Classes.PRESENT).build(),
        logits, pixels, z, y), TOL, "PRESENT: 1 − p_y");
  }

  @Test
  void extremeLogitsGiveFiniteLossAndGradient() {
    float[] z = LossTesting.uniform(P * K, 26, -1, 1);
    for (int i = 0; i < z.length; i++) {
      z[i] = z[i] < 0 ? -50f : 50f;
    }
    int[] y = LossTesting.labels(P, K, 0.2, 27);
    for (boolean perImage : new boolean[] {true, false}) {
      for (Classes classes : Classes.values()) {
        LovaszSoftmaxLoss loss = LovaszSoftmaxLoss.builder().perImage(perImage).classes(classes).build();
        float[][] r = lossAndGradient(LOGITS, z, (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, y)));
        assertFinite(r[0], "loss at ±50");
        assertFinite(r[1], "gradient at ±50");
        assertEquals(reference(z, y, N, K, perImage, classes == Classes.PRESENT, null, 255), r[0][0],
            TOL, "±50 logits, perImage=" + perImage + " " + classes);
      }
    }
  }

  @Test
  void gradientWrtLogitsMatchesFiniteDifferences() {
    // A point without near-ties in the errors, so no finite-difference step crosses a kink of the
    // piecewise-linear Lovász extension.
    int[] y = LossTesting.labels(P, K, 0.2, 28);
    float[] z = null;
    for (long seed = 100; seed < 200 && z == null; seed++) {
      float[] candidate = LossTesting.uniform(P * K, seed, -2, 2);
      if (minErrorGap(candidate, y, K) > 1e-3) {
        z = candidate;
      }
    }
    assertNotNull(z, "no seed in [100, 200) gives errors separated by 1e-3");
    float[] logits = z;
    for (boolean perImage : new boolean[] {true, false}) {
      for (Classes classes : Classes.values()) {
        LovaszSoftmaxLoss loss = LovaszSoftmaxLoss.builder().perImage(perImage).classes(classes)
            .classWeights(0.5f, 1.5f, 1f).build();
        gradientError(logits, (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, y)));
      }
    }
  }

  /** Asserts d f / d logits at z against central differences (step GRAD_EPS, GRAD_TOL). */
  private static void gradientError(float[] z, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(LOGITS));
      Operand<TFloat32> loss = f.apply(tf, x);
      try (Session s = new Session(g)) {
        GradientCheck.on(g, s).feed(x, LOGITS, z).eps(GRAD_EPS)
            .tolerance(GRAD_TOL).check(loss, List.of(x));
      }
    }
  }

  @Test
  void rejectsBadSettings() {
    assertThrows(DelineoException.class, () -> LovaszSoftmaxLoss.builder().classWeights(1f, -1f).build());
    assertThrows(DelineoException.class, () -> LovaszSoftmaxLoss.builder().classWeights(Float.NaN).build());
    assertThrows(DelineoException.class, () -> LovaszSoftmaxLoss.builder().classes(null).build());
    assertThrows(DelineoException.class, () -> evaluate(LOGITS, new float[P * K],
        (tf, x) -> LovaszSoftmaxLoss.builder().classWeights(1f, 2f).build()
            .apply(tf, x, ints(tf, PIXELS, new int[P]))));
  }
}
