package org.delineo.losses.prism;

import static org.delineo.losses.prism.PrismTesting.assertClose;
import static org.delineo.losses.prism.PrismTesting.floats;
import static org.delineo.losses.prism.PrismTesting.ints;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

class PrmDeepSupervisionTest {
  /** Absolute tolerance against the double-precision reference. */
  private static final double TOL = 2e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 2e-3;
  private static final int K = 2;

  /** (weighted CE + Dice) of one sample's probabilities, from the other tests' references. */
  private static double ceDice(float[] p, float[] y) {
    return SoftmaxWeightedLossTest.reference(p, y, 1, K, 0.005)[0]
        + PrismDiceLossTest.reference(p, y, 1, K)[0];
  }

  /**
   * Trilinear resize with PyTorch's align_corners=True of a [d, h, w, K] volume to [n, n, n, K]:
   * output index i reads input coordinate i·(in − 1)/(n − 1), linear between its neighbours.
   */
  private static float[] trilinear(float[] x, int in, int out) {
    float[] y = new float[out * out * out * K];
    for (int a = 0; a < out; a++) {
      for (int b = 0; b < out; b++) {
        for (int c = 0; c < out; c++) {
          for (int k = 0; k < K; k++) {
            double v = 0;
            for (int da = 0; da < 2; da++) {
              for (int db = 0; db < 2; db++) {
                for (int dc = 0; dc < 2; dc++) {
                  double[] wa = weight(a, in, out);
                  double[] wb = weight(b, in, out);
                  double[] wc = weight(c, in, out);
                  int ia = Math.min((int) wa[0] + da, in - 1);
                  int ib = Math.min((int) wb[0] + db, in - 1);
                  int ic = Math.min((int) wc[0] + dc, in - 1);
                  double w = (da == 0 ? 1 - wa[1] : wa[1]) * (db == 0 ? 1 - wb[1] : wb[1])
                      * (dc == 0 ? 1 - wc[1] : wc[1]);
                  v += w * x[((ia * in + ib) * in + ic) * K + k];
                }
              }
            }
            y[((a * out + b) * out + c) * K + k] = (float) v;
          }
        }
      }
    }
    return y;
  }

  /** {floor of the source coordinate, its fraction} for output index i. */
  private static double[] weight(int i, int in, int out) {
    double src = out == 1 ? 0 : i * (in - 1.0) / (out - 1.0);
    double floor = Math.floor(src);
    return new double[] {floor, src - floor};
  }

  @Test
  void twoDimensionalSinglePixelLevelIsCopiedEverywhere() {
    // Level 0 at 2 × 2, level 1 a single pixel: align-corners upsampling copies its softmax.
    int[] labels = {0, 1, 1, 0};
    float[] z0 = PrismTesting.uniform(8, 59, -2, 2);
    float[] z1 = {0.3f, -0.4f};
    float[] p1 = PrismTesting.softmaxRows(z1, K);
    float[] up = new float[8];
    for (int v = 0; v < 4; v++) {
      System.arraycopy(p1, 0, up, v * K, K);
    }
    float[] y = PrismTesting.oneHot(labels, K);
    double expected = 0.5 * ceDice(PrismTesting.softmaxRows(z0, K), y) + 0.25 * ceDice(up, y);
    float[] found = PrismTesting.run(tf -> PrmDeepSupervision.reference(2).applyToLabels(tf,
        List.of(floats(tf, Shape.of(1, 2, 2, K), z0), floats(tf, Shape.of(1, 1, 1, K), z1)),
        ints(tf, Shape.of(1, 2, 2), labels), K));
    assertClose(new double[] {expected}, found, TOL, "2-D PRM deep supervision");
  }

  @Test
  void threeDimensionalLevelsAreUpsampledTrilinearly() {
    // Full resolution 3³, levels at 3³, 2³ and 1³; start weight 1 → weights 1, 0.5, 0.25.
    int[] labels = new int[27];
    for (int i = 0; i < 27; i++) {
      labels[i] = (i * 7) % 3 == 0 ? 1 : 0;
    }
    float[] z0 = PrismTesting.uniform(27 * K, 61, -2, 2);
    float[] z1 = PrismTesting.uniform(8 * K, 67, -2, 2);
    float[] z2 = PrismTesting.uniform(K, 71, -2, 2);
    float[] y = PrismTesting.oneHot(labels, K);
    double expected = ceDice(PrismTesting.softmaxRows(z0, K), y)
        + 0.5 * ceDice(trilinear(PrismTesting.softmaxRows(z1, K), 2, 3), y)
        + 0.25 * ceDice(trilinear(PrismTesting.softmaxRows(z2, K), 1, 3), y);
    PrmDeepSupervision loss =
        new PrmDeepSupervision(PrmWeights.halving(1f, 3), new SoftmaxWeightedLoss());
    float[] found = PrismTesting.run(tf -> loss.applyToLabels(tf,
        List.of(floats(tf, Shape.of(1, 3, 3, 3, K), z0), floats(tf, Shape.of(1, 2, 2, 2, K), z1),
            floats(tf, Shape.of(1, 1, 1, 1, K), z2)),
        ints(tf, Shape.of(1, 3, 3, 3), labels), K));
    assertClose(new double[] {expected}, found, TOL, "3-D PRM deep supervision");
  }

  @Test
  void gradientThroughTheTrilinearUpsamplingMatchesFiniteDifferences() {
    int[] labels = new int[2 * 27];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (i * 5) % 4 == 0 ? 1 : 0;
    }
    float[] z0 = PrismTesting.uniform(2 * 27 * K, 73, -1, 1);
    Shape coarse = Shape.of(2, 2, 2, 2, K);
    double err = PrismTesting.gradientError(coarse, PrismTesting.uniform(2 * 8 * K, 79, -1, 1),
        GRAD_TOL, (tf, z1) -> PrmDeepSupervision.reference(2).applyToLabels(tf,
            List.of(floats(tf, Shape.of(2, 3, 3, 3, K), z0), z1),
            ints(tf, Shape.of(2, 3, 3, 3), labels), K));
    assertTrue(err <= GRAD_TOL, "scaled gradient error " + err);
  }

  @Test
  void rejectsWrongLevelCountAndClassCount() {
    assertThrows(ShapeMismatchException.class, () -> PrismTesting.run(tf ->
        PrmDeepSupervision.reference(2).applyToLabels(tf,
            List.of(floats(tf, Shape.of(1, 2, 2, K), new float[8])),
            ints(tf, Shape.of(1, 2, 2), new int[4]), K)));
    assertThrows(ShapeMismatchException.class, () -> PrismTesting.run(tf ->
        PrmDeepSupervision.reference(1).applyToLabels(tf,
            List.of(floats(tf, Shape.of(1, 2, 2, 3), new float[12])),
            ints(tf, Shape.of(1, 2, 2), new int[4]), K)));
  }
}
