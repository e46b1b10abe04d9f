package org.delineo.losses.semsim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class CrossImagePrototypesTest {

  /** Feature of position (y, x) on the 4 × 4 map: (index, index² / 10), all distinct. */
  private static double[] feature(int y, int x) {
    int i = y * 4 + x;
    return new double[] {i, i * i / 10.0};
  }

  private static double[] mean(int[][] pixels) {
    double[] m = new double[2];
    for (int[] p : pixels) {
      double[] f = feature(p[0], p[1]);
      m[0] += f[0] / pixels.length;
      m[1] += f[1] / pixels.length;
    }
    return m;
  }

  @Test
  void localPrototypesFallBackToTheWholeImageAndAbsentClassesAreMarked() {
    // Labels at the 4 × 4 feature resolution (255 = ignore):
    //   1 1 | 0 0
    //   0 0 | 1 0
    //   ----+----
    //   0 0 | 0 0
    //   0 0 | 0 255
    // given at 8 × 8: label(2y, 2x) is the value above and every odd row/column holds class 2, which
    // nearest-neighbour downsampling (input index 2i) must drop, so class 2 is absent.
    int[][] small = {{1, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 255}};
    int[] labels8 = new int[64];
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        labels8[y * 8 + x] = (y % 2 == 0 && x % 2 == 0) ? small[y / 2][x / 2] : 2;
      }
    }
    float[] features = new float[32];
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        double[] f = feature(y, x);
        features[(y * 4 + x) * 2] = (float) f[0];
        features[(y * 4 + x) * 2 + 1] = (float) f[1];
      }
    }
    CrossImagePrototypes cross = new CrossImagePrototypes(3, 4, 1000f, 0.95f, true);
    List<float[]> out = GraphRun.eval(tf -> {
      CrossImagePrototypes.Prototypes p = cross.prototypes(tf,
          GraphRun.floats(tf, Shape.of(1, 4, 4, 2), features),
          GraphRun.ints(tf, Shape.of(1, 8, 8), labels8));
      return List.of(p.local(), p.present());
    });
    // Regions: 0 = rows 0-1 × cols 0-1, 1 = rows 0-1 × cols 2-3, 2 = rows 2-3 × cols 0-1, 3 = rest.
    double[] class1Whole = mean(new int[][] {{0, 0}, {0, 1}, {1, 2}});
    double[][][] expected = {
      { // class 0
        mean(new int[][] {{1, 0}, {1, 1}}),
        mean(new int[][] {{0, 2}, {0, 3}, {1, 3}}),
        mean(new int[][] {{2, 0}, {2, 1}, {3, 0}, {3, 1}}),
        mean(new int[][] {{2, 2}, {2, 3}, {3, 2}}), // (3, 3) is ignored
      },
      { // class 1: regions 2 and 3 have none → whole-image prototype
        mean(new int[][] {{0, 0}, {0, 1}}), mean(new int[][] {{1, 2}}), class1Whole, class1Whole,
      },
      {{0, 0}, {0, 0}, {0, 0}, {0, 0}}, // class 2 absent: zero, and marked absent
    };
    float[] local = out.get(0);
    for (int c = 0; c < 3; c++) {
      for (int n = 0; n < 4; n++) {
        for (int d = 0; d < 2; d++) {
          assertEquals(expected[c][n][d], local[(c * 4 + n) * 2 + d], 1e-4,
              "G(class " + c + ", region " + n + ")[" + d + "], tolerance 1e-4");
        }
      }
    }
    assertArrayEquals(new float[] {1, 1, 0}, out.get(1), "class presence in the labeled image");
  }

  /** Ū for one unlabeled position from its cosines m[j][c] (both classes present in both images). */
  private static double certaintyByHand(double[][] m, double r) {
    double[][] q = new double[2][2];
    for (int j = 0; j < 2; j++) {
      double z = Math.exp(m[j][0]) + Math.exp(m[j][1]);
      q[j][0] = Math.exp(m[j][0]) / z;
      q[j][1] = Math.exp(m[j][1]) / z;
    }
    double[] qMean = {(q[0][0] + q[1][0]) / 2, (q[0][1] + q[1][1]) / 2};
    double total = 0;
    for (int j = 0; j < 2; j++) {
      double u = q[j][0] * Math.log(q[j][0] / qMean[0]) + q[j][1] * Math.log(q[j][1] / qMean[1]);
      total += Math.exp(-r * u);
    }
    return total / 2;
  }

  @Test
  void predictionUncertaintyAndLossOnTwoLabeledImages() {
    // N = 1 (one region), feature map 1 × 2, D = 2, classes {0, 1} labeled, class 2 nowhere.
    // Labeled image 0: (1,0) class 0, (0,1) class 1 → G0 = (1,0), G1 = (0,1).
    // Labeled image 1: (1,1) class 0, (1,−1) class 1 → G0 ∝ (1,1), G1 ∝ (1,−1).
    // Unlabeled u0 = (1,0): m(j0) = (1, 0), m(j1) = (1/√2, 1/√2).
    // Unlabeled u1 = (0,2): m(j0) = (0, 1), m(j1) = (1/√2, −1/√2).
    double r2 = Math.sqrt(0.5);
    double[][][] m = {{{1, 0}, {r2, r2}}, {{0, 1}, {r2, -r2}}};
    float r = 10f;
    CrossImagePrototypes cross = new CrossImagePrototypes(3, 1, r, 0.95f, true);
    List<float[]> out = GraphRun.eval(tf -> {
      Operand<TFloat32> labeled = GraphRun.floats(tf, Shape.of(2, 1, 2, 2),
          new float[] {1, 0, 0, 1, 1, 1, 1, -1});
      Operand<org.tensorflow.types.TInt32> labels =
          GraphRun.ints(tf, Shape.of(2, 1, 2), new int[] {0, 1, 0, 1});
      Operand<TFloat32> unlabeled = GraphRun.floats(tf, Shape.of(1, 1, 2, 2), new float[] {1, 0, 0, 2});
      // u0: confident class 0 (kept); u1: confident class 2, absent from the labeled batch (dropped).
      Operand<TFloat32> weak = GraphRun.floats(tf, Shape.of(1, 1, 2, 3),
          new float[] {0.97f, 0.02f, 0.01f, 0.01f, 0.01f, 0.98f});
      CrossImagePrototypes.Prediction p =
          cross.predict(tf, cross.prototypes(tf, labeled, labels), unlabeled);
      return List.of(p.probs(), p.certainty(), cross.loss(tf, labeled, labels, unlabeled, weak, null));
    });
    float[] probs = out.get(0);
    float[] certainty = out.get(1);
    for (int i = 0; i < 2; i++) {
      double n0 = Math.exp(m[i][0][0]) + Math.exp(m[i][1][0]);
      double n1 = Math.exp(m[i][0][1]) + Math.exp(m[i][1][1]);
      assertEquals(n0 / (n0 + n1), probs[i * 3], 1e-5, "p_cr(u" + i + ", 0), tolerance 1e-5");
      assertEquals(n1 / (n0 + n1), probs[i * 3 + 1], 1e-5, "p_cr(u" + i + ", 1), tolerance 1e-5");
      assertEquals(0f, probs[i * 3 + 2], 0f, "p_cr of a class no labeled image has");
      assertEquals(certaintyByHand(m[i], r), certainty[i], 1e-5, "Ū(u" + i + "), tolerance 1e-5");
    }
    double n0 = Math.exp(1) + Math.exp(r2);
    double n1 = 1 + Math.exp(r2);
    double ce = -Math.log(n0 / (n0 + n1));
    // Only u0 counts; the divisor is both unlabeled pixels.
    assertEquals(certaintyByHand(m[0], r) * ce / 2, out.get(2)[0], 1e-5, "L_cross, tolerance 1e-5");
  }

  @Test
  void agreeingLabeledImagesGiveFullCertaintyEvenWithRTheThousand() {
    CrossImagePrototypes cross = new CrossImagePrototypes(2, 1, 1000f, 0.95f, true);
    float[] certainty = GraphRun.eval(tf -> {
      // Two identical labeled images → identical q(j) → U = 0 → Ū = 1.
      Operand<TFloat32> labeled = GraphRun.floats(tf, Shape.of(2, 1, 2, 2),
          new float[] {1, 0, 0, 1, 1, 0, 0, 1});
      CrossImagePrototypes.Prediction p = cross.predict(tf, cross.prototypes(tf, labeled,
          GraphRun.ints(tf, Shape.of(2, 1, 2), new int[] {0, 1, 0, 1})),
          GraphRun.floats(tf, Shape.of(1, 1, 2, 2), new float[] {0.3f, 0.7f, -1, 0.2f}));
      return List.of(p.certainty());
    }).get(0);
    // float32 rounding leaves |U| ~ 1e-7, which r = 1000 scales to ~1e-4 in Ū: tolerance 1e-3.
    assertArrayEquals(new float[] {1, 1}, certainty, 1e-3f, "tolerance 1e-3");
    for (float c : certainty) {
      org.junit.jupiter.api.Assertions.assertTrue(c <= 1f, "Ū ≤ 1 (U clamped at 0), found " + c);
    }
  }

  @Test
  void crossLossGradientMatchesFiniteDifferences() {
    Shape feat = Shape.of(2, 4, 4, 3);
    int[] labels = {0, 0, 1, 1, 0, 255, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1,
                    1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 255, 0, 0, 1, 1, 0};
    float[] weak = new float[2 * 8 * 8 * 2];
    float[] noise = GraphRun.uniform(128, 7, 0, 1);
    for (int i = 0; i < 128; i++) {
      float hi = noise[i] < 0.5f ? 0.9f : 0.1f; // confident either way (τ = 0.6 below)
      weak[2 * i] = hi;
      weak[2 * i + 1] = 1 - hi;
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> labeled = tf.placeholder(TFloat32.class, Placeholder.shape(feat));
      Operand<TFloat32> unlabeled = tf.placeholder(TFloat32.class, Placeholder.shape(feat));
      // r = 2 and Ū with gradient, so every path of the loss is differentiated and checked.
      Operand<TFloat32> loss = new CrossImagePrototypes(2, 4, 2f, 0.6f, false).loss(tf, labeled,
          GraphRun.ints(tf, Shape.of(2, 4, 4), labels), unlabeled,
          GraphRun.floats(tf, Shape.of(2, 8, 8, 2), weak), null);
      try (Session s = new Session(g)) {
        // Scaled error (GradientCheck) within 1e-2, eps 5e-3.
        GradientCheck.on(g, s)
            .feed(labeled, feat, GraphRun.uniform(96, 5, -1, 1))
            .feed(unlabeled, feat, GraphRun.uniform(96, 6, -1, 1))
            .tolerance(1e-2).check(loss, List.of(unlabeled, labeled));
      }
    }
  }

  @Test
  void rejectsANonSquareRegionCount() {
    assertThrows(DelineoException.class, () -> new CrossImagePrototypes(2, 3, 1000f, 0.95f, true));
  }
}
