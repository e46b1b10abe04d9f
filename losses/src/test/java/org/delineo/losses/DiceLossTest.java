package org.delineo.losses;

import static org.delineo.losses.LossTesting.evaluate;
import static org.delineo.losses.LossTesting.floats;
import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.delineo.graph.DelineoException;
import org.delineo.losses.DiceLoss.Mode;
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
    return reference(z, y, k, ignore, smooth, exponent, background, null);
  }

  /** The same with pixel weights w multiplying p and y: Σ w²·p·y and Σ (w·p)^e + (w·y)^e. */
  private static double reference(float[] z, int[] y, int k, int ignore, double smooth, double exponent,
      boolean background, float[] pixelWeights) {
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
        double w = pixelWeights == null ? 1 : pixelWeights[i];
        double p = w * LossTesting.softmax(z, i, k)[c];
        double t = w * (y[i] == c ? 1 : 0);
        intersect += p * t;
        pSum += Math.pow(p, exponent);
        ySum += Math.pow(t, exponent);
      }
      loss += 1 - (2 * intersect + smooth) / (pSum + ySum + smooth);
    }
    return loss / (k - first);
  }

  /**
   * mmseg 1.0.x's dice_loss / binary_dice_loss written out: target = onehot(clamp(label, 0, K−1));
   * per image n and class c ≠ ignore: 1 − (2 Σ p·t·valid + s) / (Σ p^e + Σ t^e + s), with p and t
   * times the pixel weight if any; mean over images; sum over classes / K.
   */
  private static double mmsegV1Reference(float[] z, int[] y, int images, int k, int ignore,
      double smooth, double exponent, float[] pixelWeights) {
    int perImage = y.length / images;
    double total = 0;
    for (int c = 0; c < k; c++) {
      if (c == ignore) {
        continue;
      }
      double classLoss = 0;
      for (int n = 0; n < images; n++) {
        double num = 0;
        double den = 0;
        for (int i = n * perImage; i < (n + 1) * perImage; i++) {
          double w = pixelWeights == null ? 1 : pixelWeights[i];
          int clamped = Math.min(Math.max(y[i], 0), k - 1);
          double p = w * LossTesting.softmax(z, i, k)[c];
          double t = w * (clamped == c ? 1 : 0);
          double valid = y[i] == ignore ? 0 : 1;
          num += p * t * valid;
          den += Math.pow(p, exponent) + Math.pow(t, exponent);
        }
        classLoss += 1 - (2 * num + smooth) / (den + smooth);
      }
      total += classLoss / images;
    }
    return total / k;
  }

  private static float dice(DiceLoss loss, Shape logits, Shape pixels, float[] z, int[] y) {
    return evaluate(logits, z, (tf, x) -> loss.apply(tf, x, ints(tf, pixels, y)));
  }

  private static float dice(DiceLoss loss, Shape logits, Shape pixels, float[] z, int[] y, float[] pw) {
    return evaluate(logits, z, (tf, x) -> loss.apply(tf, x, ints(tf, pixels, y), floats(tf, pixels, pw)));
  }

  private static DiceLoss mmseg() {
    return DiceLoss.builder().mode(Mode.MMSEG_V1).build();
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

  @Test
  void pixelWeightsMultiplyProbabilitiesAndTargets() {
    float[] z = LossTesting.uniform(P * K, 10, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 11);
    float[] pw = LossTesting.uniform(P, 12, 0, 2);
    assertEquals(reference(z, y, K, 255, 1e-5, 2, true, pw),
        dice(DiceLoss.builder().build(), LOGITS, PIXELS, z, y, pw), TOL, "class-averaged, weights");
    assertEquals(reference(z, y, K, 255, 1, 1.5, false, pw),
        dice(DiceLoss.builder().smooth(1).exponent(1.5f).includeBackground(false).build(),
            LOGITS, PIXELS, z, y, pw), TOL, "class-averaged, weights, exponent 1.5, no background");
    assertEquals(mmsegV1Reference(z, y, 2, K, 255, 1, 2, pw), dice(mmseg(), LOGITS, PIXELS, z, y, pw), TOL,
        "MMSEG_V1, weights");
    float[] ones = new float[P];
    Arrays.fill(ones, 1f);
    assertEquals(reference(z, y, K, 255, 1e-5, 2, true),
        dice(DiceLoss.builder().build(), LOGITS, PIXELS, z, y, ones), TOL, "unit weights change nothing");
  }

  @Test
  void mmsegV1JavadocExampleByHand() {
    float[] z = {0f, 0f, 0f, (float) Math.log(3)};
    double expected = ((1 - 2 / 2.3125) + (1 - 1 / 2.8125)) / 2;
    assertEquals(expected, dice(mmseg(), Shape.of(1, 1, 2, 2), Shape.of(1, 1, 2), z, new int[] {0, 255}),
        TOL, "hand-computed MMSEG_V1 example with a 255 pixel (≈ 0.3898)");
  }

  @Test
  void mmsegV1MatchesTheReference() {
    float[] z = LossTesting.uniform(P * K, 13, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.3, 14);
    assertEquals(mmsegV1Reference(z, y, 2, K, 255, 1, 2, null), dice(mmseg(), LOGITS, PIXELS, z, y), TOL,
        "defaults smooth 1, exponent 2, 255 clamped to class K − 1");
    assertEquals(mmsegV1Reference(z, y, 2, K, 255, 0.5, 1.5, null),
        dice(DiceLoss.builder().mode(Mode.MMSEG_V1).smooth(0.5f).exponent(1.5f).build(),
            LOGITS, PIXELS, z, y), TOL, "smooth 0.5, exponent 1.5");
    int[] noIgnore = LossTesting.labels(P, K, 0, 15);
    assertEquals(mmsegV1Reference(z, noIgnore, 2, K, 1, 1, 2, null),
        dice(DiceLoss.builder().mode(Mode.MMSEG_V1).ignoreIndex(1).build(), LOGITS, PIXELS, z, noIgnore),
        TOL, "ignore index 1: class 1 skipped, divisor still K");
    Shape logits = Shape.of(2, 2, 2, 3, 4);
    Shape pixels = Shape.of(2, 2, 2, 3);
    float[] z3 = LossTesting.uniform(24 * 4, 16, -2, 2);
    int[] y3 = LossTesting.labels(24, 4, 0.2, 17);
    assertEquals(mmsegV1Reference(z3, y3, 2, 4, 255, 1, 2, null), dice(mmseg(), logits, pixels, z3, y3),
        TOL, "3D input, per-image sums");
  }

  @Test
  void mmsegV1AndWeightedGradientsMatchFiniteDifferences() {
    float[] z = LossTesting.uniform(P * K, 18, -2, 2);
    int[] y = LossTesting.labels(P, K, 0.25, 19);
    float[] pw = LossTesting.uniform(P, 20, 0.5, 1.5);
    LossTesting.gradientError(LOGITS, z, GRAD_TOL, (tf, x) -> mmseg().apply(tf, x, ints(tf, PIXELS, y)));
    LossTesting.gradientError(LOGITS, z, GRAD_TOL,
        (tf, x) -> DiceLoss.builder().mode(Mode.MMSEG_V1).exponent(1.5f).build()
            .apply(tf, x, ints(tf, PIXELS, y), floats(tf, PIXELS, pw)));
    LossTesting.gradientError(LOGITS, z, GRAD_TOL,
        (tf, x) -> DiceLoss.builder().build().apply(tf, x, ints(tf, PIXELS, y), floats(tf, PIXELS, pw)));
  }

  @Test
  void everyPixelIgnored() {
    float[] z = LossTesting.uniform(P * K, 21, -3, 3);
    int[] y = new int[P];
    Arrays.fill(y, 255);
    LossAndGradient avg = LossAndGradient.of(LOGITS, z,
        (tf, x) -> DiceLoss.builder().build().apply(tf, x, ints(tf, PIXELS, y))).assertFinite("class-averaged");
    assertEquals(0f, avg.loss(), 1e-6, "class-averaged: every d_c = s / s = 1");
    assertEquals(0, avg.maxAbsGradient(), 0, "class-averaged: no gradient");
    LossAndGradient v1 = LossAndGradient.of(LOGITS, z,
        (tf, x) -> mmseg().apply(tf, x, ints(tf, PIXELS, y))).assertFinite("MMSEG_V1");
    double expected = mmsegV1Reference(z, y, 2, K, 255, 1, 2, null);
    assertTrue(expected > 0.5, "mmseg 1.0 counts ignored pixels in the denominators: " + expected);
    assertEquals(expected, v1.loss(), TOL, "MMSEG_V1: all ignored, as mmseg 1.0 computes it");
  }

  @Test
  void classAbsentAndSingleValidPixel() {
    float[] z = LossTesting.uniform(P * K, 22, -3, 3);
    int[] twoClasses = new Random(23).ints(P, 0, 2).toArray(); // class 2 absent
    int[] single = new int[P];
    Arrays.fill(single, 255);
    single[7] = 1;
    assertEquals(reference(z, twoClasses, K, 255, 1e-5, 2, true),
        dice(DiceLoss.builder().build(), LOGITS, PIXELS, z, twoClasses), TOL, "class-averaged, class 2 absent");
    assertEquals(mmsegV1Reference(z, twoClasses, 2, K, 255, 1, 2, null), dice(mmseg(), LOGITS, PIXELS, z, twoClasses),
        TOL, "MMSEG_V1, class 2 absent");
    assertEquals(reference(z, single, K, 255, 1e-5, 2, true),
        dice(DiceLoss.builder().build(), LOGITS, PIXELS, z, single), TOL, "class-averaged, one valid pixel");
    assertEquals(mmsegV1Reference(z, single, 2, K, 255, 1, 2, null), dice(mmseg(), LOGITS, PIXELS, z, single),
        TOL, "MMSEG_V1, one valid pixel");
    for (DiceLoss loss : new DiceLoss[] {DiceLoss.builder().build(), mmseg()}) {
      LossAndGradient.of(LOGITS, z, (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, single)))
          .assertFinite(loss.mode() + " one valid pixel");
    }
  }

  @Test
  void extremeLogitsGiveFiniteLossAndGradient() {
    Random r = new Random(24);
    float[] z = new float[P * K];
    for (int i = 0; i < z.length; i++) {
      z[i] = r.nextBoolean() ? 50f : -50f;
    }
    int[] y = LossTesting.labels(P, K, 0.2, 25);
    LossAndGradient avg = LossAndGradient.of(LOGITS, z,
        (tf, x) -> DiceLoss.builder().build().apply(tf, x, ints(tf, PIXELS, y))).assertFinite("class-averaged ±50");
    assertEquals(reference(z, y, K, 255, 1e-5, 2, true), avg.loss(), TOL, "class-averaged ±50");
    LossAndGradient v1 = LossAndGradient.of(LOGITS, z,
        (tf, x) -> mmseg().apply(tf, x, ints(tf, PIXELS, y))).assertFinite("MMSEG_V1 ±50");
    assertEquals(mmsegV1Reference(z, y, 2, K, 255, 1, 2, null), v1.loss(), TOL, "MMSEG_V1 ±50");
  }

  @Test
  void mmsegV1Settings() {
    assertThrows(DelineoException.class,
        () -> DiceLoss.builder().mode(Mode.MMSEG_V1).includeBackground(false).build());
    assertThrows(DelineoException.class, () -> DiceLoss.builder().mode(null));
    assertEquals(Mode.CLASS_AVERAGED, DiceLoss.builder().build().mode(), "default mode");
  }
}
