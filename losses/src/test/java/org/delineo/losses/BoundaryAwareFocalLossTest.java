package org.delineo.losses;

import static org.delineo.losses.LossTesting.evaluate;
import static org.delineo.losses.LossTesting.floats;
import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.losses.FocalLoss.Form;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class BoundaryAwareFocalLossTest {
  /** Boundary weights: float32 Sobel + sqrt against hand values. */
  private static final float EDGE_TOL = 1e-6f;
  /** |graph − reference| ≤ REL_TOL·|reference| + ABS_TOL (float32 graph vs double reference). */
  private static final double REL_TOL = 1e-5;
  private static final double ABS_TOL = 1e-7;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 1e-3;
  private static final double STRAIGHT = Math.sqrt(32);

  private static final int K = 3;
  private static final Shape LOGITS = Shape.of(2, 4, 5, K);
  private static final Shape PIXELS = Shape.of(2, 4, 5);
  private static final int P = 40;

  private static float[] edges(Shape pixels, int[] labels, int k) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> b = LabelEdges.sobel(tf, ints(tf, pixels, labels), k, 255);
      try (Session s = new Session(g); Result r = s.runner().fetch(b).run()) {
        return Tensors.toFloats(r.get(0));
      }
    }
  }

  /**
   * Sobel written out: per class, the 3×3 correlation of the class indicator (neighbours clamped
   * to the image: replicate padding) with Sx and Sy; b = min(√Σ(gx² + gy²) / √32, 1), 0 if ignored.
   */
  private static double[] referenceEdges(int[] y, int n, int h, int w, int k) {
    int[][] sx = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
    double[] out = new double[y.length];
    for (int img = 0; img < n; img++) {
      for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++) {
          int at = (img * h + r) * w + c;
          if (y[at] == 255) {
            continue;
          }
          double e2 = 0;
          for (int cls = 0; cls < k; cls++) {
            double gx = 0;
            double gy = 0;
            for (int dr = -1; dr <= 1; dr++) {
              for (int dc = -1; dc <= 1; dc++) {
                int rr = Math.min(Math.max(r + dr, 0), h - 1);
                int cc = Math.min(Math.max(c + dc, 0), w - 1);
                if (y[(img * h + rr) * w + cc] == cls) {
                  gx += sx[dr + 1][dc + 1];
                  gy += sx[dc + 1][dr + 1];
                }
              }
            }
            e2 += gx * gx + gy * gy;
          }
          out[at] = Math.min(Math.sqrt(e2) / STRAIGHT, 1);
        }
      }
    }
    return out;
  }

  private static double reference(Form form, float[] z, int[] y, double lambda, float[] pw) {
    double[] terms = form == Form.SIGMOID
        ? FocalReference.sigmoidPixelTerms(z, y, K, 255, 2, 0.5, null, pw)
        : FocalReference.softmaxPixelTerms(z, y, K, 255, 2, 0.5, null, pw);
    double[] b = referenceEdges(y, 2, 4, 5, K);
    double sum = 0;
    for (int i = 0; i < y.length; i++) {
      sum += terms[i] * (1 + lambda * b[i]);
    }
    double divisor = form == Form.SIGMOID
        ? (double) y.length * K : FocalReference.valid(y, 255) + FocalReference.F32_EPS;
    return sum / divisor;
  }

  private static BoundaryAwareFocalLoss loss(Form form, float lambda) {
    return BoundaryAwareFocalLoss.builder().focal(FocalLoss.builder().form(form).build()).lambda(lambda).build();
  }

  private static void assertClose(double expected, double actual, String what) {
    assertEquals(expected, actual, REL_TOL * Math.abs(expected) + ABS_TOL,
        what + " (tolerance " + REL_TOL + " relative + " + ABS_TOL + " absolute)");
  }

  @Test
  void oneVerticalEdgeByHand() {
    // Rows {0, 0, 1, 1}: at columns 1 and 2 the left column of the 3×3 window is one class and the
    // right column the other, so gx = ±(1 + 2 + 1) = ±4 for the two classes, gy = 0: E = 4√2, b = 1.
    // Columns 0 and 3 see one class only (replicate padding): b = 0.
    float[] b = edges(Shape.of(1, 3, 4), new int[] {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1}, 2);
    assertArrayEquals(new float[] {0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0}, b, EDGE_TOL, "vertical edge");
  }

  @Test
  void cornerAndVoidNeighboursByHand() {
    // Only pixel (0,0) is class 1 in a 3×3 map of class 0.
    // (1,1): the window's top-left cell alone is class 1: gx₁ = gy₁ = −1, class 0 the opposite: E = 2.
    // (0,1): replicate padding puts class 1 in the window's cells [0][0] and [1][0]:
    //        gx₁ = −1 − 2 = −3, gy₁ = −1: E = √(2·(9 + 1)) = √20.
    // (0,0): class 1 fills cells [0][0], [0][1], [1][0], [1][1]: gx₁ = gy₁ = −3: E = 6 > 4√2, capped.
    float[] corner = edges(Shape.of(1, 3, 3), new int[] {1, 0, 0, 0, 0, 0, 0, 0, 0}, 2);
    float s20 = (float) (Math.sqrt(20) / STRAIGHT);
    float two = (float) (2 / STRAIGHT);
    assertArrayEquals(new float[] {1, s20, 0, s20, two, 0, 0, 0, 0}, corner, EDGE_TOL, "corner");
    // One row {0, 0, 255, 0}: the ignored pixel has an all-zero one-hot row, so its neighbours see
    // class 0 on one side only: gx₀ = ±4, gy₀ = 0, E = 4, b = 4 / 4√2; the ignored pixel itself 0.
    float half = (float) (4 / STRAIGHT);
    assertArrayEquals(new float[] {0, half, 0, half},
        edges(Shape.of(1, 1, 4), new int[] {0, 0, 255, 0}, 2), EDGE_TOL, "void neighbour");
  }

  @Test
  void edgesMatchTheLoopFormulationOnRandomLabels() {
    int[] y = LossTesting.labels(P, K, 0.15, 1);
    double[] expected = referenceEdges(y, 2, 4, 5, K);
    float[] actual = edges(PIXELS, y, K);
    for (int i = 0; i < P; i++) {
      assertEquals(expected[i], actual[i], EDGE_TOL, "pixel " + i + " (tolerance " + EDGE_TOL + ")");
    }
  }

  @Test
  void lossMatchesTheReferenceAndLambdaZeroIsFocal() {
    float[] z = LossTesting.uniform(P * K, 2, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 3);
    float[] pw = LossTesting.uniform(P, 4, 0, 2);
    for (Form form : Form.values()) {
      for (float lambda : new float[] {1f, 2.5f}) {
        BoundaryAwareFocalLoss l = loss(form, lambda);
        assertClose(reference(form, z, y, lambda, pw),
            evaluate(LOGITS, z, (tf, x) -> l.apply(tf, x, ints(tf, PIXELS, y), floats(tf, PIXELS, pw))),
            form + " λ " + lambda);
      }
      FocalLoss focal = FocalLoss.builder().form(form).build();
      BoundaryAwareFocalLoss zero = BoundaryAwareFocalLoss.builder().focal(focal).lambda(0f).build();
      assertClose(evaluate(LOGITS, z, (tf, x) -> focal.apply(tf, x, ints(tf, PIXELS, y))),
          evaluate(LOGITS, z, (tf, x) -> zero.apply(tf, x, ints(tf, PIXELS, y))), form + " λ 0");
    }
    assertClose(reference(Form.SOFTMAX, z, y, 1, null),
        evaluate(LOGITS, z, (tf, x) -> BoundaryAwareFocalLoss.builder().build().apply(tf, x, ints(tf, PIXELS, y))),
        "defaults: softmax focal, λ 1");
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    float[] z = LossTesting.uniform(P * K, 5, -2, 2);
    int[] y = LossTesting.labels(P, K, 0.2, 6);
    for (Form form : Form.values()) {
      BoundaryAwareFocalLoss l = loss(form, 1.5f);
      LossTesting.gradientError(LOGITS, z, GRAD_TOL, (tf, x) -> l.apply(tf, x, ints(tf, PIXELS, y)));
    }
  }

  @Test
  void allIgnoredSingleValidPixelAndExtremeLogits() {
    float[] z = LossTesting.uniform(P * K, 7, -3, 3);
    int[] none = new int[P];
    Arrays.fill(none, 255);
    int[] single = none.clone();
    single[7] = 2; // image 0, row 1, column 2: an interior pixel
    float[] extreme = new float[P * K];
    for (int i = 0; i < extreme.length; i++) {
      extreme[i] = i % 2 == 0 ? 50f : -50f;
    }
    int[] y = LossTesting.labels(P, K, 0.2, 8);
    for (Form form : Form.values()) {
      BoundaryAwareFocalLoss l = loss(form, 1f);
      float[] out = FocalReference.lossAndGradient(LOGITS, z, (tf, x) -> l.apply(tf, x, ints(tf, PIXELS, none)));
      FocalReference.assertAllFinite(out, form + " all ignored");
      assertEquals(0f, out[0], 0f, form + " all ignored gives 0");
      // A lone interior valid pixel: its 8 neighbours are zero rows and the window centre has
      // weight 0 in Sx and Sy, so b = 0 and the loss is the plain focal term (checked by reference).
      assertClose(reference(form, z, single, 1, null),
          evaluate(LOGITS, z, (tf, x) -> l.apply(tf, x, ints(tf, PIXELS, single))), form + " one valid pixel");
      float[] ext = FocalReference.lossAndGradient(LOGITS, extreme, (tf, x) -> l.apply(tf, x, ints(tf, PIXELS, y)));
      FocalReference.assertAllFinite(ext, form + " ±50");
      assertClose(reference(form, extreme, y, 1, null), ext[0], form + " ±50 value");
    }
  }

  @Test
  void rejectsVolumesAndBadSettings() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var logits = tf.zeros(tf.constant(new long[] {1, 2, 3, 4, K}), TFloat32.class);
      assertThrows(ShapeMismatchException.class, () -> BoundaryAwareFocalLoss.builder().build()
          .apply(tf, logits, ints(tf, Shape.of(1, 2, 3, 4), new int[24])));
    }
    assertThrows(DelineoException.class, () -> BoundaryAwareFocalLoss.builder().lambda(-1f).build());
    assertThrows(DelineoException.class, () -> BoundaryAwareFocalLoss.builder().focal(null).build());
  }
}
