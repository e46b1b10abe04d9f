package org.delineo.losses;

import static org.delineo.losses.FocalReference.F32_EPS;
import static org.delineo.losses.LossTesting.evaluate;
import static org.delineo.losses.LossTesting.floats;
import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.losses.FocalLoss.Form;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class FocalLossTest {
  /** |graph − reference| ≤ REL_TOL·|reference| + ABS_TOL (float32 graph vs double reference). */
  private static final double REL_TOL = 1e-5;
  private static final double ABS_TOL = 1e-7;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 1e-3;

  private static final int K = 3;
  private static final Shape LOGITS = Shape.of(2, 3, 4, K);
  private static final Shape PIXELS = Shape.of(2, 3, 4);
  private static final int P = 24;

  private static float focal(FocalLoss loss, Shape logitsShape, Shape pixels, float[] z, int[] y,
      float[] pixelWeights) {
    return evaluate(logitsShape, z, (tf, x) -> pixelWeights == null
        ? loss.apply(tf, x, ints(tf, pixels, y))
        : loss.apply(tf, x, ints(tf, pixels, y), floats(tf, pixels, pixelWeights)));
  }

  private static void assertClose(double expected, double actual, String what) {
    assertEquals(expected, actual, REL_TOL * Math.abs(expected) + ABS_TOL,
        what + " (tolerance " + REL_TOL + " relative + " + ABS_TOL + " absolute)");
  }

  private static double reference(Form form, float[] z, int[] y, int k, double gamma, double alpha,
      float[] classWeights, float[] pixelWeights) {
    return form == Form.SIGMOID
        ? FocalReference.sigmoidLoss(z, y, k, 255, gamma, alpha, classWeights, pixelWeights)
        : FocalReference.softmaxLoss(z, y, k, 255, gamma, alpha, classWeights, pixelWeights);
  }

  @Test
  void javadocExampleByHand() {
    float[] z = {0f, 0f, 3f, 1f};
    int[] y = {1, 255};
    Shape logits = Shape.of(1, 1, 2, 2);
    Shape pixels = Shape.of(1, 1, 2);
    double e = 0.5 * 0.25 * Math.log(2); // α · (1 − 0.5)² · ln 2
    assertClose(e / (1 + F32_EPS), focal(FocalLoss.builder().build(), logits, pixels, z, y, null),
        "softmax: one valid pixel");
    assertClose(2 * e / 4,
        focal(FocalLoss.builder().form(Form.SIGMOID).build(), logits, pixels, z, y, null),
        "sigmoid: two entries over 2 pixels × 2 classes");
  }

  @Test
  void defaultsAreProvesConfiguration() {
    FocalLoss loss = FocalLoss.builder().build();
    assertEquals(Form.SOFTMAX, loss.form());
    assertEquals(255, loss.ignoreIndex());
    float[] z = LossTesting.uniform(P * K, 1, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 2);
    assertClose(reference(Form.SOFTMAX, z, y, K, 2, 0.5, null, null),
        focal(loss, LOGITS, PIXELS, z, y, null), "γ 2, α 0.5");
  }

  @Test
  void bothFormsMatchThePlainJavaFormulas() {
    float[] z = LossTesting.uniform(P * K, 3, -4, 4);
    int[] y = LossTesting.labels(P, K, 0.25, 4);
    float[] w = {0.5f, 2f, 1.25f};
    float[] pw = LossTesting.uniform(P, 5, 0, 2);
    for (Form form : Form.values()) {
      for (float gamma : new float[] {2f, 1f, 1.5f, 0.5f, 3f}) {
        for (float alpha : new float[] {0.5f, 0.25f}) {
          FocalLoss plain = FocalLoss.builder().form(form).gamma(gamma).alpha(alpha).build();
          assertClose(reference(form, z, y, K, gamma, alpha, null, null),
              focal(plain, LOGITS, PIXELS, z, y, null), form + " γ " + gamma + " α " + alpha);
        }
      }
      FocalLoss weighted = FocalLoss.builder().form(form).alpha(0.3f).classWeights(w).build();
      assertClose(reference(form, z, y, K, 2, 0.3, w, pw),
          focal(weighted, LOGITS, PIXELS, z, y, pw), form + " with class and pixel weights");
    }
  }

  @Test
  void softmaxWithGammaZeroIsHalfTheCrossEntropy() {
    // Closed form: (1 − p)^0 = 1, so α = 0.5 leaves 0.5 · CE with CE's own reduction.
    float[] z = LossTesting.uniform(P * K, 6, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.3, 7);
    float focal = focal(FocalLoss.builder().gamma(0f).alpha(0.5f).build(), LOGITS, PIXELS, z, y, null);
    float ce = evaluate(LOGITS, z, (tf, x) -> CrossEntropyLoss.builder().build().apply(tf, x, ints(tf, PIXELS, y)));
    assertClose(0.5 * ce, focal, "γ 0, α 0.5 against 0.5 × cross-entropy");
  }

  @Test
  void sigmoidDividesByAllEntriesIncludingIgnoredPixels() {
    // 4 pixels, 2 of them ignored: the divisor is 4 × K, not 2 × K.
    Shape logits = Shape.of(1, 2, 2, K);
    Shape pixels = Shape.of(1, 2, 2);
    float[] z = LossTesting.uniform(4 * K, 8, -2, 2);
    int[] y = {0, 255, 2, 255};
    double numerator = FocalReference.sum(FocalReference.sigmoidPixelTerms(z, y, K, 255, 2, 0.5, null, null));
    assertClose(numerator / (4 * K),
        focal(FocalLoss.builder().form(Form.SIGMOID).build(), logits, pixels, z, y, null), "N × K divisor");
  }

  @Test
  void allIgnoredGivesZeroAndAFiniteGradient() {
    float[] z = LossTesting.uniform(P * K, 9, -3, 3);
    int[] y = new int[P];
    Arrays.fill(y, 255);
    for (Form form : Form.values()) {
      FocalLoss loss = FocalLoss.builder().form(form).classWeights(1f, 2f, 3f).build();
      float[] out = FocalReference.lossAndGradient(LOGITS, z, (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, y)));
      FocalReference.assertAllFinite(out, form + " all ignored");
      for (float v : out) {
        assertEquals(0f, v, 0f, form + ": loss and gradient are exactly 0");
      }
    }
  }

  @Test
  void classAbsentAndSingleValidPixel() {
    int k = 4;
    Shape logits = Shape.of(1, 2, 3, k);
    Shape pixels = Shape.of(1, 2, 3);
    float[] z = LossTesting.uniform(6 * k, 10, -3, 3);
    int[] absent = {0, 1, 2, 0, 255, 1}; // class 3 never appears
    int[] single = {255, 255, 3, 255, 255, 255};
    for (Form form : Form.values()) {
      FocalLoss loss = FocalLoss.builder().form(form).build();
      assertClose(reference(form, z, absent, k, 2, 0.5, null, null),
          focal(loss, logits, pixels, z, absent, null), form + " class 3 absent");
      assertClose(reference(form, z, single, k, 2, 0.5, null, null),
          focal(loss, logits, pixels, z, single, null), form + " one valid pixel");
      LossTesting.gradientError(logits, z, GRAD_TOL, (tf, x) -> loss.apply(tf, x, ints(tf, pixels, single)));
    }
  }

  @Test
  void extremeLogitsStayFinite() {
    Shape logits = Shape.of(1, 2, 3, K);
    Shape pixels = Shape.of(1, 2, 3);
    // Confident right, confident wrong, ±50 on the ignored pixel, ties at 50.
    float[] z = {
        50, -50, 0, -50, 50, -50, 0, 0, 50,
        50, 50, -50, 50, -50, 50, -50, -50, -50};
    int[] y = {0, 0, 2, 1, 255, 2};
    for (Form form : Form.values()) {
      for (float gamma : new float[] {2f, 0.5f, 0f}) {
        FocalLoss loss = FocalLoss.builder().form(form).gamma(gamma).build();
        float[] out = FocalReference.lossAndGradient(logits, z, (tf, x) -> loss.apply(tf, x, ints(tf, pixels, y)));
        FocalReference.assertAllFinite(out, form + " γ " + gamma + " at ±50");
        assertClose(reference(form, z, y, K, gamma, 0.5, null, null), out[0], form + " γ " + gamma + " value");
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    float[] z = LossTesting.uniform(P * K, 11, -2, 2);
    int[] y = LossTesting.labels(P, K, 0.25, 12);
    float[] pw = LossTesting.uniform(P, 13, 0.5, 1.5);
    for (Form form : Form.values()) {
      for (float gamma : new float[] {2f, 1.5f, 0f}) {
        FocalLoss loss = FocalLoss.builder().form(form).gamma(gamma).alpha(0.25f)
            .classWeights(0.5f, 1f, 2f).build();
        LossTesting.gradientError(LOGITS, z, GRAD_TOL,
            (tf, x) -> loss.apply(tf, x, ints(tf, PIXELS, y), floats(tf, PIXELS, pw)));
      }
    }
  }

  @Test
  void volumesAndAnIgnoreIndexInsideTheClassRange() {
    Shape logits = Shape.of(1, 2, 3, 2, 4);
    Shape pixels = Shape.of(1, 2, 3, 2);
    float[] z = LossTesting.uniform(12 * 4, 14, -2, 2);
    int[] y = LossTesting.labels(12, 4, 0.25, 15);
    int[] withZero = LossTesting.labels(12, 4, 0, 16);
    for (Form form : Form.values()) {
      assertClose(reference(form, z, y, 4, 2, 0.5, null, null),
          focal(FocalLoss.builder().form(form).build(), logits, pixels, z, y, null), form + " 3D");
      double expected = form == Form.SIGMOID
          ? FocalReference.sigmoidLoss(z, withZero, 4, 0, 2, 0.5, null, null)
          : FocalReference.softmaxLoss(z, withZero, 4, 0, 2, 0.5, null, null);
      assertClose(expected,
          focal(FocalLoss.builder().form(form).ignoreIndex(0).build(), logits, pixels, z, withZero, null),
          form + " ignore index 0");
      LossTesting.gradientError(logits, z, GRAD_TOL,
          (tf, x) -> FocalLoss.builder().form(form).build().apply(tf, x, ints(tf, pixels, y)));
    }
  }

  @Test
  void rejectsMismatchedShapesAndSettings() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var logits = tf.zeros(tf.constant(new long[] {2, 3, 4, K}), TFloat32.class);
      FocalLoss loss = FocalLoss.builder().build();
      assertThrows(ShapeMismatchException.class,
          () -> loss.apply(tf, logits, ints(tf, Shape.of(2, 4, 3), new int[24])));
      DelineoException e = assertThrows(DelineoException.class,
          () -> FocalLoss.builder().classWeights(1f, 2f).build().apply(tf, logits, ints(tf, PIXELS, new int[24])));
      assertEquals(true, e.getMessage().contains("expected 3"), e.getMessage());
    }
    assertThrows(DelineoException.class, () -> FocalLoss.builder().gamma(-1f).build());
    assertThrows(DelineoException.class, () -> FocalLoss.builder().alpha(1.5f).build());
    assertThrows(DelineoException.class, () -> FocalLoss.builder().form(null).build());
    assertThrows(DelineoException.class, () -> FocalLoss.builder().classWeights(Float.NaN).build());
  }
}
