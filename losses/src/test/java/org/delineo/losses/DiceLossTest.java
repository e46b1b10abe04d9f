package org.delineo.losses;

import static org.delineo.losses.LossTesting.evaluate;
import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

class DiceLossTest {
  /** Absolute tolerance against the double-precision reference (losses lie in [0, 1]). */
  private static final double TOL = 1e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 1e-3;

  private static final int K = 3;
  private static final Shape LOGITS = Shape.of(2, 3, 4, K);
  private static final Shape PIXELS = Shape.of(2, 3, 4);
  private static final int P = 24;

  /** UniMatch's loop: per class, sums over non-ignored pixels of the batch, then mean of 1 − d. */
  private static double reference(float[] z, int[] y, int k, int ignore, double smooth, double exponent,
      boolean background) {
    double loss = 0;
    int first = background ? 0 : 1;
    for (int c = first; c < k; c++) {
      double intersect = 0;
      double pSum = 0;
      double ySum = 0;
      for (int i = 0; i < y.length; i++) {
        if (y[i] == ignore) {
          continue;
        }
        double p = LossTesting.softmax(z, i, k)[c];
        double t = y[i] == c ? 1 : 0;
        intersect += p * t;
        pSum += Math.pow(p, exponent);
        ySum += Math.pow(t, exponent);
      }
      loss += 1 - (2 * intersect + smooth) / (pSum + ySum + smooth);
    }
    return loss / (k - first);
  }

  private static float dice(DiceLoss loss, Shape logits, Shape pixels, float[] z, int[] y) {
    return evaluate(logits, z, (tf, x) -> loss.apply(tf, x, ints(tf, pixels, y)));
  }

  @Test
  void javadocExampleByHand() {
    float[] z = {0f, 0f, 0f, (float) Math.log(3)};
    int[] y = {0, 1};
    double s = 1e-5;
    double expected = 1 - ((1 + s) / (1.3125 + s) + (1.5 + s) / (1.8125 + s)) / 2;
    assertEquals(expected, dice(DiceLoss.builder().build(), Shape.of(1, 1, 2, 2), Shape.of(1, 1, 2), z, y),
        TOL, "hand-computed example (≈ 0.2053)");
  }

  @Test
  void matchesUniMatchWithIgnoredPixels() {
    float[] z = LossTesting.uniform(P * K, 1, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.3, 2);
    assertEquals(reference(z, y, K, 255, 1e-5, 2, true), dice(DiceLoss.builder().build(), LOGITS, PIXELS, z, y),
        TOL, "defaults");
  }

  @Test
  void optionsExponentSmoothBackgroundAndIgnoreIndex() {
    float[] z = LossTesting.uniform(P * K, 3, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 4);
    assertEquals(reference(z, y, K, 255, 1, 1, false),
        dice(DiceLoss.builder().smooth(1).exponent(1).includeBackground(false).build(), LOGITS, PIXELS, z, y),
        TOL, "smooth 1, exponent 1, no background");
    assertEquals(reference(z, y, K, 255, 1e-5, 1.5, true),
        dice(DiceLoss.builder().exponent(1.5f).build(), LOGITS, PIXELS, z, y), TOL, "exponent 1.5");
    assertEquals(reference(z, y, K, 1, 1e-5, 2, true),
        dice(DiceLoss.builder().ignoreIndex(1).build(), LOGITS, PIXELS, z, y), TOL, "ignore index 1");
  }

  @Test
  void allIgnoredGivesZero() {
    float[] z = LossTesting.uniform(P * K, 5, -3, 3);
    int[] y = new int[P];
    Arrays.fill(y, 255);
    assertEquals(0f, dice(DiceLoss.builder().build(), LOGITS, PIXELS, z, y), 1e-6,
        "every d_c = s / s = 1");
  }

  @Test
  void volumes() {
    Shape logits = Shape.of(2, 2, 2, 3, 4);
    Shape pixels = Shape.of(2, 2, 2, 3);
    float[] z = LossTesting.uniform(24 * 4, 6, -2, 2);
    int[] y = LossTesting.labels(24, 4, 0.2, 7);
    assertEquals(reference(z, y, 4, 255, 1e-5, 2, true),
        dice(DiceLoss.builder().build(), logits, pixels, z, y), TOL, "3D input");
  }

  @Test
  void gradientWrtLogitsMatchesFiniteDifferences() {
    float[] z = LossTesting.uniform(P * K, 8, -2, 2);
    int[] y = LossTesting.labels(P, K, 0.25, 9);
    LossTesting.gradientError(LOGITS, z, GRAD_TOL,
        (tf, x) -> DiceLoss.builder().build().apply(tf, x, ints(tf, PIXELS, y)));
    LossTesting.gradientError(LOGITS, z, GRAD_TOL,
        (tf, x) -> DiceLoss.builder().exponent(1.5f).includeBackground(false).build()
            .apply(tf, x, ints(tf, PIXELS, y)));
  }

  @Test
  void rejectsBadSettings() {
    assertThrows(DelineoException.class, () -> DiceLoss.builder().smooth(0).build());
    assertThrows(DelineoException.class, () -> DiceLoss.builder().exponent(-1).build());
    assertThrows(DelineoException.class, () -> evaluate(Shape.of(1, 1, 2, 1), new float[2],
        (tf, x) -> DiceLoss.builder().includeBackground(false).build()
            .apply(tf, x, ints(tf, Shape.of(1, 1, 2), new int[2]))));
  }
}
