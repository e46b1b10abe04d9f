package org.delineo.losses;

import static org.delineo.losses.LossTesting.evaluate;
import static org.delineo.losses.LossTesting.floats;
import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class CrossEntropyLossTest {
  /** Relative tolerance against the double-precision reference (float32 graph arithmetic). */
  private static final double REL_TOL = 1e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 1e-3;
  private static final double F32_EPS = 1.1920928955078125e-7; // 2^-23

  private static final int K = 3;
  private static final Shape LOGITS = Shape.of(2, 3, 4, K);
  private static final Shape PIXELS = Shape.of(2, 3, 4);
  private static final int P = 24;

  /**
   * PyTorch's per-pixel formula written out: (1 − ε)·w_y·(lse − z_y) + (ε/K)·Σ_k w_k·(lse − z_k),
   * times the pixel weight, ignored pixels skipped; then mmseg's reduction. A label outside [0, K)
   * that is not the ignore index keeps only the smoothing part (the class's documented choice).
   */
  private static double reference(float[] z, int[] y, int k, int ignore, boolean avgNonIgnore,
      float[] classWeights, double eps, float[] pixelWeights) {
    double sum = 0;
    int valid = 0;
    for (int i = 0; i < y.length; i++) {
      if (y[i] == ignore) {
        continue;
      }
      valid++;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        max = Math.max(max, z[i * k + c]);
      }
      double s = 0;
      for (int c = 0; c < k; c++) {
        s += Math.exp(z[i * k + c] - max);
      }
      double lse = max + Math.log(s);
      // A label outside [0, K) has no target: only the smoothing part, and it counts in the divisor.
      boolean inRange = y[i] >= 0 && y[i] < k;
      double wy = !inRange ? 0 : classWeights == null ? 1 : classWeights[y[i]];
      double e = inRange ? (1 - eps) * wy * (lse - z[i * k + y[i]]) : 0;
      double smooth = 0;
      for (int c = 0; c < k; c++) {
        smooth += (classWeights == null ? 1 : classWeights[c]) * (lse - z[i * k + c]);
      }
      e += eps / k * smooth;
      sum += e * (pixelWeights == null ? 1 : pixelWeights[i]);
    }
    return avgNonIgnore ? sum / (valid + F32_EPS) : sum / y.length;
  }

  private static float ce(CrossEntropyLoss loss, Shape logitsShape, Shape pixels, float[] z, int[] y,
      float[] pixelWeights) {
    return evaluate(logitsShape, z, (tf, x) -> pixelWeights == null
        ? loss.apply(tf, x, ints(tf, pixels, y))
        : loss.apply(tf, x, ints(tf, pixels, y), floats(tf, pixels, pixelWeights)));
  }

  private static void assertRel(double expected, double actual, String what) {
    assertEquals(expected, actual, REL_TOL * Math.max(1, Math.abs(expected)),
        what + " (relative tolerance " + REL_TOL + ")");
  }

  @Test
  void javadocExampleByHand() {
    float[] z = {0f, 0f, 2f, 0f};
    int[] y = {1, 255};
    Shape logits = Shape.of(1, 1, 2, 2);
    Shape pixels = Shape.of(1, 1, 2);
    double ln2 = Math.log(2);
    assertRel(ln2 / (1 + F32_EPS), ce(CrossEntropyLoss.builder().build(), logits, pixels, z, y, null),
        "avgNonIgnore: ln 2 over one valid pixel");
    assertRel(ln2 / 2, ce(CrossEntropyLoss.builder().avgNonIgnore(false).build(), logits, pixels, z, y, null),
        "plain mean: ln 2 over two pixels");
  }

  @Test
  void ignoredPixelsInBothReductions() {
    float[] z = LossTesting.uniform(P * K, 1, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.3, 2);
    for (boolean avg : new boolean[] {true, false}) {
      CrossEntropyLoss loss = CrossEntropyLoss.builder().avgNonIgnore(avg).build();
      assertRel(reference(z, y, K, 255, avg, null, 0, null), ce(loss, LOGITS, PIXELS, z, y, null),
          "avgNonIgnore=" + avg);
    }
  }

  @Test
  void allIgnoredGivesZeroNotNaN() {
    float[] z = LossTesting.uniform(P * K, 3, -3, 3);
    int[] y = new int[P];
    java.util.Arrays.fill(y, 255);
    for (boolean avg : new boolean[] {true, false}) {
      float v = ce(CrossEntropyLoss.builder().avgNonIgnore(avg).labelSmoothing(0.1f).build(),
          LOGITS, PIXELS, z, y, null);
      assertEquals(0f, v, 0f, "all ignored, avgNonIgnore=" + avg);
    }
  }

  @Test
  void classWeightsKeepThePixelCountAsDivisor() {
    float[] z = LossTesting.uniform(P * K, 4, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 5);
    float[] w = {0.2f, 1.5f, 3f};
    CrossEntropyLoss loss = CrossEntropyLoss.builder().classWeights(w).build();
    assertRel(reference(z, y, K, 255, true, w, 0, null), ce(loss, LOGITS, PIXELS, z, y, null),
        "class weights");
  }

  @Test
  void labelSmoothingWithAndWithoutClassWeights() {
    float[] z = LossTesting.uniform(P * K, 6, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 7);
    float[] w = {0.5f, 1f, 2f};
    assertRel(reference(z, y, K, 255, true, null, 0.1, null),
        ce(CrossEntropyLoss.builder().labelSmoothing(0.1f).build(), LOGITS, PIXELS, z, y, null),
        "smoothing 0.1");
    assertRel(reference(z, y, K, 255, false, w, 0.25, null),
        ce(CrossEntropyLoss.builder().labelSmoothing(0.25f).classWeights(w).avgNonIgnore(false).build(),
            LOGITS, PIXELS, z, y, null),
        "smoothing 0.25 with class weights, plain mean");
    // Closed form: uniform logits give −log p_k = ln K for every k, so the loss is ln K whatever ε.
    float[] flat = new float[P * K];
    int[] y0 = new int[P];
    assertRel(Math.log(K) * P / (P + F32_EPS),
        ce(CrossEntropyLoss.builder().labelSmoothing(0.3f).build(), LOGITS, PIXELS, flat, y0, null),
        "uniform logits: ln K");
  }

  @Test
  void pixelWeightsMultiplyTermsButNotTheDivisor() {
    float[] z = LossTesting.uniform(P * K, 8, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 9);
    float[] pw = LossTesting.uniform(P, 10, 0, 2);
    assertRel(reference(z, y, K, 255, true, null, 0, pw),
        ce(CrossEntropyLoss.builder().build(), LOGITS, PIXELS, z, y, pw), "pixel weights");
  }

  @Test
  void volumesWithGradientAndAnIgnoreIndexInsideTheClassRange() {
    Shape logits = Shape.of(1, 2, 3, 2, 4);
    Shape pixels = Shape.of(1, 2, 3, 2);
    float[] z = LossTesting.uniform(12 * 4, 11, -2, 2);
    int[] y = LossTesting.labels(12, 4, 0.25, 12);
    assertRel(reference(z, y, 4, 255, true, null, 0.05, null),
        ce(CrossEntropyLoss.builder().labelSmoothing(0.05f).build(), logits, pixels, z, y, null),
        "3D input");
    int[] noIgnore = LossTesting.labels(12, 4, 0, 13);
    assertRel(reference(z, noIgnore, 4, 0, true, null, 0, null),
        ce(CrossEntropyLoss.builder().ignoreIndex(0).build(), logits, pixels, z, noIgnore, null),
        "ignore index 0");
    LossTesting.gradientError(logits, z, GRAD_TOL,
        (tf, x) -> CrossEntropyLoss.builder().labelSmoothing(0.05f).build()
            .apply(tf, x, ints(tf, pixels, y)));
  }

  @Test
  void gradientWrtLogitsMatchesFiniteDifferences() {
    float[] z = LossTesting.uniform(P * K, 13, -2, 2);
    int[] y = LossTesting.labels(P, K, 0.25, 14);
    float[] pw = LossTesting.uniform(P, 15, 0.5, 1.5);
    CrossEntropyLoss loss = CrossEntropyLoss.builder()
        .classWeights(0.5f, 1f, 2f).labelSmoothing(0.1f).build();
    LossTesting.gradientError(LOGITS, z, GRAD_TOL,
        (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, y), floats(tf, PIXELS, pw)));
    // Without smoothing the fused kernel computes the terms: class weights and a label beyond K.
    int[] beyond = y.clone();
    beyond[1] = K + 3;
    CrossEntropyLoss fused = CrossEntropyLoss.builder().classWeights(0.5f, 1f, 2f).build();
    assertRel(reference(z, beyond, K, 255, true, new float[] {0.5f, 1f, 2f}, 0, pw),
        ce(fused, LOGITS, PIXELS, z, beyond, pw), "fused, class weights, a label beyond K");
    LossTesting.gradientError(LOGITS, z, GRAD_TOL,
        (tf, x) -> fused.apply(tf, x, ints(tf, PIXELS, beyond), floats(tf, PIXELS, pw)));
  }

  @Test
  void rejectsMismatchedShapesAndSettings() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var logits = tf.zeros(tf.constant(new long[] {2, 3, 4, K}), TFloat32.class);
      CrossEntropyLoss loss = CrossEntropyLoss.builder().build();
      assertThrows(ShapeMismatchException.class,
          () -> loss.apply(tf, logits, ints(tf, Shape.of(2, 4, 3), new int[24])));
      assertThrows(ShapeMismatchException.class,
          () -> loss.apply(tf, logits, ints(tf, Shape.of(2, 3, 4, 1), new int[24])));
      DelineoException e = assertThrows(DelineoException.class,
          () -> CrossEntropyLoss.builder().classWeights(1f, 2f).build()
              .apply(tf, logits, ints(tf, PIXELS, new int[24])));
      assertEquals(true, e.getMessage().contains("expected 3"), e.getMessage());
    }
    assertThrows(DelineoException.class, () -> CrossEntropyLoss.builder().labelSmoothing(1f).build());
    assertThrows(DelineoException.class, () -> CrossEntropyLoss.builder().classWeights(-1f).build());
  }
}
