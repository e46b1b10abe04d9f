package org.delineo.losses.prism;

import static org.delineo.losses.prism.PrismTesting.assertClose;
import static org.delineo.losses.prism.PrismTesting.floats;
import static org.delineo.losses.prism.PrismTesting.ints;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

class PrismDiceLossTest {
  /** Absolute tolerance against the double-precision reference (losses lie in [0, 1]). */
  private static final double TOL = 1e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 1e-3;

  /** dice_loss_bs written out: per sample 1 − Σ_c 2Σp·y / (Σp + Σy + 1e-7) / K. */
  static double[] reference(float[] p, float[] y, int samples, int k) {
    int voxels = p.length / (samples * k);
    double[] out = new double[samples];
    for (int n = 0; n < samples; n++) {
      double diceSum = 0;
      for (int c = 0; c < k; c++) {
        double inter = 0;
        double ps = 0;
        double ys = 0;
        for (int v = 0; v < voxels; v++) {
          int i = (n * voxels + v) * k + c;
          inter += p[i] * y[i];
          ps += p[i];
          ys += y[i];
        }
        diceSum += 2 * inter / (ps + ys + 1e-7);
      }
      out[n] = 1 - diceSum / k;
    }
    return out;
  }

  @Test
  void workedExampleByHand() {
    // class 0: 2·0.8 / (1.2 + 1) = 0.727273; class 1: 2·0.6 / (0.8 + 1) = 0.666667
    // loss = 1 − (0.727273 + 0.666667) / 2 = 0.303030
    float[] loss = PrismTesting.run(tf -> new PrismDiceLoss().applyToLabels(tf,
        floats(tf, Shape.of(1, 1, 2, 2), new float[] {0.8f, 0.2f, 0.4f, 0.6f}),
        ints(tf, Shape.of(1, 1, 2), new int[] {0, 1})));
    assertClose(new double[] {0.303030}, loss, 1e-5, "hand-computed Dice");
  }

  @Test
  void threeDimensionalCaseWithAnAbsentClass() {
    // 1 × 2 × 2 × 2 × 3, class 2 absent: its Dice is 0, i.e. it adds 1/3 to the loss.
    int k = 3;
    Shape shape = Shape.of(1, 2, 2, 2, k);
    int[] labels = {0, 0, 1, 0, 1, 0, 1, 0};
    float[] p = PrismTesting.softmaxRows(PrismTesting.uniform(24, 11, -2, 2), k);
    float[] y = PrismTesting.oneHot(labels, k);
    double[] expected = reference(p, y, 1, k);
    assertTrue(expected[0] > 1.0 / 3, "reference: the absent class alone costs 1/3");
    assertClose(expected, PrismTesting.run(tf -> new PrismDiceLoss().applyToLabels(tf,
        floats(tf, shape, p), ints(tf, Shape.of(1, 2, 2, 2), labels))), TOL, "3-D Dice");
    assertClose(expected, PrismTesting.run(tf -> new PrismDiceLoss().apply(tf,
        floats(tf, shape, p), floats(tf, shape, y))), TOL, "3-D Dice from one-hot targets");
  }

  @Test
  void perfectPredictionGivesZeroAndSamplesStaySeparate() {
    // Sample 0 predicted exactly (loss 0 up to 1e-7 guards); sample 1 random.
    int k = 2;
    int[] labels = {0, 1, 1, 0, 1, 1, 0, 0};
    float[] y = PrismTesting.oneHot(labels, k);
    float[] p = PrismTesting.softmaxRows(PrismTesting.uniform(16, 13, -2, 2), k);
    System.arraycopy(y, 0, p, 0, 8);
    double[] expected = reference(p, y, 2, k);
    assertClose(new double[] {0, expected[1]}, PrismTesting.run(tf -> new PrismDiceLoss().apply(
        tf, floats(tf, Shape.of(2, 2, 2, k), p), floats(tf, Shape.of(2, 2, 2, k), y))), TOL,
        "per-sample Dice");
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Shape shape = Shape.of(1, 2, 2, 2, 3);
    int[] labels = {0, 1, 2, 0, 0, 1, 0, 2};
    double err = PrismTesting.gradientError(shape, PrismTesting.uniform(24, 17, 0.05, 0.95),
        GRAD_TOL, (tf, p) -> new PrismDiceLoss().applyToLabels(tf, p,
            ints(tf, Shape.of(1, 2, 2, 2), labels)));
    assertTrue(err <= GRAD_TOL, "scaled gradient error " + err);
  }

  @Test
  void rejectsTargetsOfAnotherShape() {
    assertThrows(ShapeMismatchException.class, () -> PrismTesting.run(tf ->
        new PrismDiceLoss().apply(tf, floats(tf, Shape.of(1, 2, 2, 2), new float[8]),
            floats(tf, Shape.of(1, 2, 2, 3), new float[12]))));
  }
}
