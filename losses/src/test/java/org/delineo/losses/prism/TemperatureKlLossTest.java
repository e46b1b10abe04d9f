package org.delineo.losses.prism;

import static org.delineo.losses.prism.PrismTesting.assertClose;
import static org.delineo.losses.prism.PrismTesting.floats;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

class TemperatureKlLossTest {
  /** Absolute tolerance against the double-precision reference. */
  private static final double TOL = 1e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 1e-3;

  /**
   * temp_kl_loss_bs written out: p = clamp(softmax(z / T), c, 1) for both, T²·p_t·(ln p_t − ln p_s)
   * averaged over the sample's voxels and classes.
   */
  static double[] reference(float[] zs, float[] zt, int samples, int k, double t, double clamp) {
    int rows = zs.length / k;
    int perSample = rows / samples;
    double[] out = new double[samples];
    for (int row = 0; row < rows; row++) {
      double[] ps = PrismTesting.softmax(zs, row, k, t);
      double[] pt = PrismTesting.softmax(zt, row, k, t);
      for (int c = 0; c < k; c++) {
        double s = Math.min(Math.max(ps[c], clamp), 1);
        double q = Math.min(Math.max(pt[c], clamp), 1);
        out[row / perSample] += t * t * q * (Math.log(q) - Math.log(s)) / (perSample * k);
      }
    }
    return out;
  }

  @Test
  void workedExampleByHand() {
    // p_s = (0.5, 0.5), p_t = (0.25, 0.75), T = 1:
    // 0.25·ln 0.5 + 0.75·ln 1.5 = −0.173287 + 0.304099 = 0.130812; / 2 classes = 0.065406
    float[] loss = PrismTesting.run(tf -> new TemperatureKlLoss(1f, 0.005f).apply(tf,
        floats(tf, Shape.of(1, 1, 1, 2), new float[] {0f, 0f}),
        floats(tf, Shape.of(1, 1, 1, 2), new float[] {0f, (float) Math.log(3)})));
    assertClose(new double[] {0.065406}, loss, 1e-6, "hand-computed KL");
  }

  @Test
  void upsamplesBothProbabilitiesBeforeTheClampAndTheMean() {
    // T = 1, 1×2 pixels → 1×3 (align corners: the ends are copied, the middle is the average).
    // Student logits (0, 0) at both pixels → p_s = (0.5, 0.5) everywhere after upsampling.
    // Teacher (0, ln 3) → (0.25, 0.75) and (ln 3, 0) → (0.75, 0.25); upsampled middle (0.5, 0.5).
    // Per-pixel KL: 0.25·ln 0.5 + 0.75·ln 1.5 = 0.130812, then 0, then 0.130812 again.
    // Mean over 3 pixels × 2 classes = 0.261624 / 6 = 0.043604 (0.261624 / 4 = 0.065406 at 1×2).
    float ln3 = (float) Math.log(3);
    float[] student = {0f, 0f, 0f, 0f};
    float[] teacher = {0f, ln3, ln3, 0f};
    float[] up = PrismTesting.run(tf -> new TemperatureKlLoss(1f, 0.005f).apply(tf,
        floats(tf, Shape.of(1, 1, 2, 2), student), floats(tf, Shape.of(1, 1, 2, 2), teacher),
        new long[] {1, 3}));
    assertClose(new double[] {0.0436040}, up, 1e-6, "KL on upsampled probabilities");
    float[] atInput = PrismTesting.run(tf -> new TemperatureKlLoss(1f, 0.005f).apply(tf,
        floats(tf, Shape.of(1, 1, 2, 2), student), floats(tf, Shape.of(1, 1, 2, 2), teacher)));
    assertClose(new double[] {0.0654060}, atInput, 1e-6, "KL at the native resolution");
    float[] same = PrismTesting.run(tf -> new TemperatureKlLoss(1f, 0.005f).apply(tf,
        floats(tf, Shape.of(1, 1, 2, 2), student), floats(tf, Shape.of(1, 1, 2, 2), teacher),
        new long[] {1, 2}));
    assertClose(new double[] {0.0654060}, same, 1e-6, "already at the output size: no resize");
  }

  @Test
  void rejectsAnOutputSizeOfTheWrongLength() {
    assertThrows(ShapeMismatchException.class, () -> PrismTesting.run(tf -> new TemperatureKlLoss().apply(tf,
        floats(tf, Shape.of(1, 1, 2, 2), new float[4]), floats(tf, Shape.of(1, 1, 2, 2), new float[4]),
        new long[] {1, 2, 3})));
  }

  @Test
  void clampsBothDistributionsWithoutRenormalising() {
    // Teacher logits (10, −10), T = 1: p_t = (1, 2.1e-9) → clamped to (1, 0.005), sum 1.005.
    // Student p_s = (0.5, 0.5): 1·ln 2 + 0.005·ln(0.005/0.5) = 0.693147 − 0.023026 = 0.670121
    // mean over 2 classes = 0.335061
    float[] loss = PrismTesting.run(tf -> new TemperatureKlLoss(1f, 0.005f).apply(tf,
        floats(tf, Shape.of(1, 1, 1, 2), new float[] {0f, 0f}),
        floats(tf, Shape.of(1, 1, 1, 2), new float[] {10f, -10f})));
    assertClose(new double[] {0.335061}, loss, 1e-5, "clamped KL");
  }

  @Test
  void threeDimensionalTwoSamplesAtTemperatureFour() {
    int k = 3;
    Shape shape = Shape.of(2, 2, 2, 2, k);
    float[] zs = PrismTesting.uniform(48, 19, -6, 6);
    float[] zt = PrismTesting.uniform(48, 23, -30, 30); // some teacher classes below the clamp
    double[] expected = reference(zs, zt, 2, k, 4, 0.005);
    assertClose(expected, PrismTesting.run(tf -> new TemperatureKlLoss().apply(tf,
        floats(tf, shape, zs), floats(tf, shape, zt))), TOL, "3-D KL, T = 4");
  }

  @Test
  void zeroWhenTeacherEqualsStudent() {
    Shape shape = Shape.of(1, 2, 2, 2, 4);
    float[] z = PrismTesting.uniform(32, 29, -3, 3);
    assertClose(new double[] {0}, PrismTesting.run(tf -> new TemperatureKlLoss().apply(tf,
        floats(tf, shape, z), floats(tf, shape, z))), 1e-7, "KL(p ‖ p)");
  }

  @Test
  void gradientReachesTheStudentOnlyAndMatchesFiniteDifferences() {
    Shape shape = Shape.of(1, 2, 2, 2, 3);
    float[] teacher = PrismTesting.uniform(24, 31, -2, 2);
    assertFalse(PrismTesting.gradientReaches(shape, (tf, zt) ->
        new TemperatureKlLoss().apply(tf, floats(tf, shape, teacher), zt)),
        "the teacher logits must be detached");
    assertTrue(PrismTesting.gradientReaches(shape, (tf, zs) ->
        new TemperatureKlLoss().apply(tf, zs, floats(tf, shape, teacher))));
    // Logits in [−2, 2]: every probability stays far above the 0.005 clamp (T = 4 and T = 1).
    float[] student = PrismTesting.uniform(24, 37, -2, 2);
    for (float t : new float[] {4f, 1f}) {
      double err = PrismTesting.gradientError(shape, student, GRAD_TOL, (tf, zs) ->
          new TemperatureKlLoss(t, 0.005f).apply(tf, zs, floats(tf, shape, teacher)));
      assertTrue(err <= GRAD_TOL, "T = " + t + ": scaled gradient error " + err);
    }
  }

  @Test
  void rejectsBadSettingsAndShapes() {
    assertThrows(DelineoException.class, () -> new TemperatureKlLoss(0f, 0.005f));
    assertThrows(DelineoException.class, () -> new TemperatureKlLoss(4f, 0f));
    assertThrows(ShapeMismatchException.class, () -> PrismTesting.run(tf ->
        new TemperatureKlLoss().apply(tf, floats(tf, Shape.of(1, 2, 2, 2), new float[8]),
            floats(tf, Shape.of(1, 1, 2, 2), new float[4]))));
  }
}
