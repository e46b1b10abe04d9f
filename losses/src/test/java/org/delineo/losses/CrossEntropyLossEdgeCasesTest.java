package org.delineo.losses;

import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

/** Edge cases of {@link CrossEntropyLoss}: empty, absent class, one pixel, saturated logits. */
class CrossEntropyLossEdgeCasesTest {
  /** Relative tolerance on loss values against double-precision closed forms. */
  private static final double REL_TOL = 1e-5;
  /** Absolute tolerance on gradient entries against the closed form (p − y)·valid / divisor. */
  private static final double GRAD_ABS_TOL = 1e-6;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double FD_TOL = 1e-3;
  private static final double F32_EPS = 1.1920928955078125e-7; // 2^-23, mmseg's divisor guard

  private static final int K = 3;
  private static final Shape LOGITS = Shape.of(2, 3, 4, K);
  private static final Shape PIXELS = Shape.of(2, 3, 4);
  private static final int P = 24;

  /** Σ over valid pixels of lse(z) − z_y, divided by (valid count + ε); no weights, no smoothing. */
  private static double reference(float[] z, int[] y) {
    double sum = 0;
    int valid = 0;
    for (int i = 0; i < y.length; i++) {
      if (y[i] == 255) {
        continue;
      }
      valid++;
      sum += -Math.log(LossTesting.softmax(z, i, K)[y[i]]);
    }
    return sum / (valid + F32_EPS);
  }

  /** d loss / d z = (softmax − onehot) at valid pixels, divided by (valid count + ε). */
  private static double[] referenceGradient(float[] z, int[] y) {
    long valid = Arrays.stream(y).filter(v -> v != 255).count();
    double[] g = new double[z.length];
    for (int i = 0; i < y.length; i++) {
      if (y[i] == 255) {
        continue;
      }
      double[] p = LossTesting.softmax(z, i, K);
      for (int c = 0; c < K; c++) {
        g[i * K + c] = (p[c] - (c == y[i] ? 1 : 0)) / (valid + F32_EPS);
      }
    }
    return g;
  }

  private static LossAndGradient run(CrossEntropyLoss loss, float[] z, int[] y, String what) {
    return LossAndGradient.of(LOGITS, z, (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, y)))
        .assertFinite(what);
  }

  private static void assertMatches(float[] z, int[] y, String what) {
    LossAndGradient r = run(CrossEntropyLoss.builder().build(), z, y, what);
    double expected = reference(z, y);
    assertEquals(expected, r.loss(), REL_TOL * Math.max(1, Math.abs(expected)),
        what + ": loss (relative tolerance " + REL_TOL + ")");
    double[] g = referenceGradient(z, y);
    for (int i = 0; i < g.length; i++) {
      assertEquals(g[i], r.gradient()[i], GRAD_ABS_TOL,
          what + ": gradient entry " + i + " (absolute tolerance " + GRAD_ABS_TOL + ")");
    }
  }

  @Test
  void everyPixelIgnoredGivesZeroAndAZeroGradient() {
    float[] z = LossTesting.uniform(P * K, 1, -3, 3);
    int[] y = new int[P];
    Arrays.fill(y, 255);
    for (boolean avg : new boolean[] {true, false}) {
      LossAndGradient r = run(CrossEntropyLoss.builder().avgNonIgnore(avg).labelSmoothing(0.1f).build(),
          z, y, "all ignored, avgNonIgnore=" + avg);
      assertEquals(0f, r.loss(), 0f, "all ignored, avgNonIgnore=" + avg);
      assertEquals(0, r.maxAbsGradient(), 0, "no gradient, avgNonIgnore=" + avg);
    }
  }

  @Test
  void classAbsentFromTheImage() {
    float[] z = LossTesting.uniform(P * K, 2, -3, 3);
    int[] y = new Random(3).ints(P, 0, 2).toArray(); // class 2 never appears
    assertMatches(z, y, "class 2 absent");
    LossTesting.gradientError(LOGITS, z, FD_TOL,
        (tf, x) -> CrossEntropyLoss.builder().labelSmoothing(0.1f).build().apply(tf, x, ints(tf, PIXELS, y)));
  }

  @Test
  void singleValidPixel() {
    float[] z = LossTesting.uniform(P * K, 4, -3, 3);
    int[] y = new int[P];
    Arrays.fill(y, 255);
    y[9] = 2;
    assertMatches(z, y, "one valid pixel: −ln p_2 / (1 + ε)");
  }

  @Test
  void extremeLogitsGiveFiniteLossAndGradient() {
    Random r = new Random(5);
    float[] z = new float[P * K];
    for (int i = 0; i < z.length; i++) {
      z[i] = r.nextBoolean() ? 50f : -50f;
    }
    int[] y = LossTesting.labels(P, K, 0.2, 6);
    assertMatches(z, y, "±50 logits");
    run(CrossEntropyLoss.builder().labelSmoothing(0.1f).classWeights(0.5f, 1f, 2f).build(), z, y,
        "±50 logits with smoothing and class weights");
  }
}
