package org.delineo.losses.prism;

import static org.delineo.losses.prism.PrismTesting.assertClose;
import static org.delineo.losses.prism.PrismTesting.floats;
import static org.delineo.losses.prism.PrismTesting.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class SoftmaxWeightedLossTest {
  /** Absolute tolerance against the double-precision reference (float32 logs of O(1) values). */
  private static final double TOL = 1e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 1e-3;

  /**
   * softmax_weighted_loss_bs written out: per sample, w_c = 1 − count_c / Σ count; voxel term
   * −Σ_c w_c·y_c·ln(min(max(p_c, clamp), 1)); mean over the sample's voxels.
   */
  static double[] reference(float[] p, float[] y, int samples, int k, double clamp) {
    int voxels = p.length / (samples * k);
    double[] out = new double[samples];
    for (int n = 0; n < samples; n++) {
      double[] count = new double[k];
      double total = 0;
      for (int v = 0; v < voxels; v++) {
        for (int c = 0; c < k; c++) {
          count[c] += y[(n * voxels + v) * k + c];
          total += y[(n * voxels + v) * k + c];
        }
      }
      double sum = 0;
      for (int v = 0; v < voxels; v++) {
        for (int c = 0; c < k; c++) {
          int i = (n * voxels + v) * k + c;
          double w = 1 - count[c] / total;
          sum -= w * y[i] * Math.log(Math.min(Math.max(p[i], clamp), 1));
        }
      }
      out[n] = sum / voxels;
    }
    return out;
  }

  @Test
  void workedExampleByHand() {
    // pixel 0: p = (0.8, 0.2), label 0; pixel 1: p = (0.4, 0.6), label 1; w = (0.5, 0.5)
    // loss = (−0.5·ln 0.8 − 0.5·ln 0.6) / 2 = (0.111572 + 0.255413) / 2 = 0.183492
    float[] loss = PrismTesting.run(tf -> new SoftmaxWeightedLoss().applyToLabels(tf,
        floats(tf, Shape.of(1, 1, 2, 2), new float[] {0.8f, 0.2f, 0.4f, 0.6f}),
        ints(tf, Shape.of(1, 1, 2), new int[] {0, 1})));
    assertClose(new double[] {0.183492}, loss, 1e-5, "hand-computed weighted CE");
  }

  @Test
  void unweightedFormIsPlainClampedCrossEntropy() {
    // Same pixels, every w = 1: (−ln 0.8 − ln 0.6) / 2 = (0.223144 + 0.510826) / 2 = 0.366985.
    // A third pixel with p = 0.001 < clamp costs −ln 0.005 = 5.298317 (mean over 3 then).
    float[] loss = PrismTesting.run(tf -> new SoftmaxWeightedLoss(0.005f, false).applyToLabels(tf,
        floats(tf, Shape.of(1, 1, 3, 2), new float[] {0.8f, 0.2f, 0.4f, 0.6f, 0.999f, 0.001f}),
        ints(tf, Shape.of(1, 1, 3), new int[] {0, 1, 1})));
    assertClose(new double[] {(0.223144 + 0.510826 + 5.298317) / 3}, loss, 1e-5,
        "hand-computed unweighted CE");
  }

  @Test
  void threeDimensionalCaseMatchesReferenceForLabelsAndOneHot() {
    // 1 × 2 × 2 × 2 × 3: class 0 on 5 voxels, class 1 on 2, class 2 on 1 → w = (3/8, 6/8, 7/8)
    int k = 3;
    Shape shape = Shape.of(1, 2, 2, 2, k);
    int[] labels = {0, 0, 1, 0, 2, 0, 1, 0};
    float[] p = PrismTesting.softmaxRows(PrismTesting.uniform(24, 3, -2, 2), k);
    float[] y = PrismTesting.oneHot(labels, k);
    double[] expected = reference(p, y, 1, k, 0.005);
    float[] fromLabels = PrismTesting.run(tf -> new SoftmaxWeightedLoss().applyToLabels(tf,
        floats(tf, shape, p), ints(tf, Shape.of(1, 2, 2, 2), labels)));
    float[] fromOneHot = PrismTesting.run(tf -> new SoftmaxWeightedLoss().apply(tf,
        floats(tf, shape, p), floats(tf, shape, y)));
    assertClose(expected, fromLabels, TOL, "3-D weighted CE from labels");
    assertClose(expected, fromOneHot, TOL, "3-D weighted CE from one-hot targets");
  }

  @Test
  void twoSamplesUseTheirOwnClassFrequencies() {
    // 2 × 2 × 2 × 2: sample 0 all class 0 (w_0 = 0 → loss 0), sample 1 three of class 1.
    int k = 2;
    Shape shape = Shape.of(2, 2, 2, k);
    int[] labels = {0, 0, 0, 0, 1, 1, 1, 0};
    float[] p = PrismTesting.softmaxRows(PrismTesting.uniform(16, 5, -2, 2), k);
    double[] expected = reference(p, PrismTesting.oneHot(labels, k), 2, k, 0.005);
    assertEquals(0.0, expected[0], 0.0, "reference: a single-class crop has weight 0");
    float[] loss = PrismTesting.run(tf -> new SoftmaxWeightedLoss().applyToLabels(tf,
        floats(tf, shape, p), ints(tf, Shape.of(2, 2, 2), labels)));
    assertClose(expected, loss, TOL, "per-sample weighted CE");
  }

  @Test
  void clampsProbabilitiesAndStopsTheirGradientOutsideTheInterval() {
    // pixel 0: p_true = 0.001 → clamped to 0.005, term −0.5·ln 0.005 = 2.649159, gradient 0;
    // pixel 1: p_true = 1.2 (not a probability) → clamped to 1, term 0, gradient 0.
    Shape shape = Shape.of(1, 1, 2, 2);
    float[] p = {0.001f, 0.999f, -0.2f, 1.2f};
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.constant(p);
      Operand<TFloat32> loss = new SoftmaxWeightedLoss().applyToLabels(tf,
          tf.reshape(x, tf.constant(shape.asArray())), ints(tf, Shape.of(1, 1, 2), new int[] {0, 1}));
      Output<?>[] grad = g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()});
      try (Session s = new Session(g); Result r = s.runner().fetch(loss).fetch(grad[0]).run()) {
        assertEquals(-0.5 * Math.log(0.005) / 2, Tensors.toFloats(r, 0)[0], 1e-5,
            "clamped loss (tolerance 1e-5)");
        for (float d : Tensors.toFloats(r, 1)) {
          assertEquals(0f, d, 0f, "no gradient through clamped probabilities");
        }
      }
    }
  }

  @Test
  void gradientMatchesFiniteDifferencesAwayFromTheClamp() {
    Shape shape = Shape.of(1, 2, 2, 2, 3);
    int[] labels = {0, 1, 2, 0, 0, 1, 0, 2};
    double err = PrismTesting.gradientError(shape, PrismTesting.uniform(24, 7, 0.1, 0.9), GRAD_TOL,
        (tf, p) -> new SoftmaxWeightedLoss().applyToLabels(tf, p,
            ints(tf, Shape.of(1, 2, 2, 2), labels)));
    assertTrue(err <= GRAD_TOL, "scaled gradient error " + err);
  }

  @Test
  void rejectsMismatchedShapesAndBadClamp() {
    assertThrows(ShapeMismatchException.class, () -> PrismTesting.run(tf ->
        new SoftmaxWeightedLoss().applyToLabels(tf, floats(tf, Shape.of(1, 2, 2, 2), new float[8]),
            ints(tf, Shape.of(1, 2, 1), new int[2]))));
    assertThrows(DelineoException.class, () -> new SoftmaxWeightedLoss(0f));
    assertThrows(DelineoException.class, () -> new SoftmaxWeightedLoss(1f));
    List.of(0.005f, 0.5f).forEach(c -> assertEquals(c, new SoftmaxWeightedLoss(c).clamp()));
  }
}
