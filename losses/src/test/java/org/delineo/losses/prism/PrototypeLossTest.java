package org.delineo.losses.prism;

import static org.delineo.losses.prism.PrismTesting.assertClose;
import static org.delineo.losses.prism.PrismTesting.floats;
import static org.delineo.losses.prism.PrismTesting.ints;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.losses.prism.PrototypeLoss.Form;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class PrototypeLossTest {
  /** Absolute tolerance against the double-precision reference. */
  private static final double TOL = 2e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 2e-3;

  // Two samples of 2 × 2 pixels, F = 3 feature channels, K = 3 classes; class 2 occurs only in
  // sample 0, so the batch-wide forms must drop it for both samples.
  private static final int N = 2;
  private static final int V = 4;
  private static final int F = 3;
  private static final int K = 3;
  private static final Shape FEATURES = Shape.of(N, 2, 2, F);
  private static final Shape PIXELS = Shape.of(N, 2, 2);
  private static final int[] LABELS = {0, 1, 2, 1, 0, 0, 1, 1};
  private static final float[] STUDENT = PrismTesting.uniform(N * V * F, 41, -1, 1);
  private static final float[] TEACHER = PrismTesting.uniform(N * V * F, 43, -1, 1);

  /** The reference's formulas on plain arrays (see the class comment of PrototypeLoss). */
  private static final class Reference {
    final double[][][] protoS = new double[N][K][F];
    final double[][][] protoT = new double[N][K][F];
    final boolean[] included = new boolean[K];
    final int[][] count = new int[N][K];

    Reference() {
      for (int n = 0; n < N; n++) {
        for (int v = 0; v < V; v++) {
          count[n][LABELS[n * V + v]]++;
        }
      }
      for (int c = 0; c < K; c++) {
        included[c] = true;
        for (int n = 0; n < N; n++) {
          included[c] &= count[n][c] > 0;
        }
      }
      for (int n = 0; n < N; n++) {
        for (int v = 0; v < V; v++) {
          int c = LABELS[n * V + v];
          for (int f = 0; f < F; f++) {
            protoS[n][c][f] += STUDENT[(n * V + v) * F + f] / (count[n][c] + 1e-5);
            protoT[n][c][f] += TEACHER[(n * V + v) * F + f] / (count[n][c] + 1e-5);
          }
        }
      }
    }

    static double[] feature(float[] x, int n, int v) {
      double[] out = new double[F];
      for (int f = 0; f < F; f++) {
        out[f] = x[(n * V + v) * F + f];
      }
      return out;
    }

    static double norm(double[] a) {
      double s = 0;
      for (double x : a) {
        s += x * x;
      }
      return Math.sqrt(s);
    }

    static double cosine(double[] a, double[] b) {
      double dot = 0;
      for (int i = 0; i < a.length; i++) {
        dot += a[i] * b[i];
      }
      return dot / (Math.max(norm(a), 1e-5) * Math.max(norm(b), 1e-5));
    }

    static double distance(double[] a, double[] b) {
      double s = 0;
      for (int i = 0; i < a.length; i++) {
        s += (a[i] - b[i]) * (a[i] - b[i]);
      }
      return Math.sqrt(s);
    }

    /** {loss, dist} per sample for COSINE_MAP. */
    double[][] cosineMap() {
      double[][] out = new double[2][N];
      int nIncluded = 0;
      for (boolean b : included) {
        nIncluded += b ? 1 : 0;
      }
      for (int n = 0; n < N; n++) {
        for (int c = 0; c < K; c++) {
          if (!included[c]) {
            continue;
          }
          for (int v = 0; v < V; v++) {
            double diff = cosine(feature(STUDENT, n, v), protoS[n][c])
                - cosine(feature(TEACHER, n, v), protoT[n][c]);
            out[0][n] += diff * diff / (nIncluded * V);
            out[1][n] += Math.abs(diff) / (nIncluded * V);
          }
        }
      }
      return out;
    }

    /** {loss, dist} per sample for L2_CLASSIFIER (HGA), student only. */
    double[][] classifier() {
      double[][] out = new double[2][N];
      for (int n = 0; n < N; n++) {
        for (int v = 0; v < V; v++) {
          double[] d = new double[K];
          double z = 0;
          for (int c = 0; c < K; c++) {
            if (included[c]) {
              d[c] = distance(feature(STUDENT, n, v), protoS[n][c]);
              z += Math.exp(-d[c]);
            }
          }
          int y = LABELS[n * V + v];
          double q = included[y] ? Math.exp(-d[y]) / z : 0;
          double trueDistance = included[y] ? d[y] : 0;
          out[0][n] += (-Math.log(Math.min(Math.max(q, 0.005), 1)) + 0.001 * trueDistance) / V;
          out[1][n] += q / V;
        }
      }
      return out;
    }

    /** {loss, dist} per sample for PROTOTYPE_L2: classes present in that sample. */
    double[][] prototypeL2() {
      double[][] out = new double[2][N];
      for (int n = 0; n < N; n++) {
        int present = 0;
        for (int c = 0; c < K; c++) {
          if (count[n][c] > 0) {
            double dist = distance(protoS[n][c], protoT[n][c]);
            out[0][n] += dist * dist;
            out[1][n] += dist;
            present++;
          }
        }
        out[1][n] /= present;
      }
      return out;
    }
  }

  private static float[][] evaluate(PrototypeLoss loss) {
    float[] l = PrismTesting.run(tf -> terms(tf, loss).loss());
    float[] d = PrismTesting.run(tf -> terms(tf, loss).dist());
    return new float[][] {l, d};
  }

  private static PrototypeTerms terms(Ops tf, PrototypeLoss loss) {
    return loss.applyToLabels(tf, floats(tf, FEATURES, STUDENT), floats(tf, FEATURES, TEACHER),
        ints(tf, PIXELS, LABELS), K);
  }

  @Test
  void cosineMapWorkedExampleByHand() {
    // student F = ((1, 0), (0, 1)), teacher F = ((1, 0), (1, 1)), labels (0, 1):
    // S^s − S^t = class 0: (1 − 1, 0 − 1/√2), class 1: (0 − 1/√2, 1 − 1)
    // loss = (0.5 + 0.5) / 4 = 0.25; dist = 2·0.707107 / 4 = 0.353553
    PrototypeLoss loss = PrototypeLoss.builder().build();
    Shape shape = Shape.of(1, 1, 2, 2);
    float[] s = {1, 0, 0, 1};
    float[] t = {1, 0, 1, 1};
    float[] targets = {1, 0, 0, 1};
    assertClose(new double[] {0.25}, PrismTesting.run(tf -> loss.apply(tf, floats(tf, shape, s),
        floats(tf, shape, t), floats(tf, shape, targets)).loss()), 1e-5, "hand-computed loss");
    assertClose(new double[] {0.353553}, PrismTesting.run(tf -> loss.apply(tf,
        floats(tf, shape, s), floats(tf, shape, t), floats(tf, shape, targets)).dist()), 1e-5,
        "hand-computed dist");
  }

  @Test
  void cosineMapSkipsClassesAbsentFromAnySample() {
    double[][] expected = new Reference().cosineMap();
    float[][] found = evaluate(PrototypeLoss.builder().form(Form.COSINE_MAP).build());
    assertClose(expected[0], found[0], TOL, "COSINE_MAP loss");
    assertClose(expected[1], found[1], TOL, "COSINE_MAP dist");
  }

  @Test
  void l2ClassifierIsHgasPerSampleMeans() {
    double[][] expected = new Reference().classifier();
    float[][] found = evaluate(PrototypeLoss.builder().form(Form.L2_CLASSIFIER).build());
    assertClose(expected[0], found[0], TOL, "L2_CLASSIFIER loss");
    assertClose(expected[1], found[1], TOL, "L2_CLASSIFIER dist");
  }

  @Test
  void prototypeL2UsesTheClassesOfEachSample() {
    double[][] expected = new Reference().prototypeL2();
    float[][] found = evaluate(PrototypeLoss.builder().form(Form.PROTOTYPE_L2).build());
    assertClose(expected[0], found[0], TOL, "PROTOTYPE_L2 loss");
    assertClose(expected[1], found[1], TOL, "PROTOTYPE_L2 dist");
  }

  @Test
  void noClassInEverySampleGivesZero() {
    // sample 0 only class 0, sample 1 only class 1: nothing qualifies batch-wide.
    int[] labels = {0, 0, 0, 0, 1, 1, 1, 1};
    for (Form form : new Form[] {Form.COSINE_MAP, Form.L2_CLASSIFIER}) {
      PrototypeLoss loss = PrototypeLoss.builder().form(form).build();
      float[] l = PrismTesting.run(tf -> loss.applyToLabels(tf, floats(tf, FEATURES, STUDENT),
          floats(tf, FEATURES, TEACHER), ints(tf, PIXELS, labels), K).loss());
      assertClose(new double[] {0, 0}, l, 0, form + " without an included class");
    }
  }

  @Test
  void gradientsReachTheStudentOnlyAndMatchFiniteDifferences() {
    for (Form form : Form.values()) {
      PrototypeLoss loss = PrototypeLoss.builder().form(form).build();
      double err = PrismTesting.gradientError(FEATURES, STUDENT, GRAD_TOL, (tf, s) ->
          loss.applyToLabels(tf, s, floats(tf, FEATURES, TEACHER), ints(tf, PIXELS, LABELS), K)
              .loss());
      assertTrue(err <= GRAD_TOL, form + ": scaled gradient error " + err);
      assertFalse(PrismTesting.gradientReaches(FEATURES, (tf, t) -> loss.applyToLabels(tf,
          floats(tf, FEATURES, STUDENT), t, ints(tf, PIXELS, LABELS), K).loss()),
          form + ": the teacher features must be detached");
    }
  }

  @Test
  void threeDimensionalFeaturesWork() {
    // The same 8 voxels per sample arranged as 2 × 2 × 2 volumes with F = 3 (one sample each).
    Shape features = Shape.of(1, 2, 2, 2, F);
    float[] s = PrismTesting.uniform(24, 47, -1, 1);
    float[] t = PrismTesting.uniform(24, 53, -1, 1);
    int[] labels = {0, 1, 2, 1, 0, 0, 1, 2};
    double err = PrismTesting.gradientError(features, s, GRAD_TOL, (tf, x) ->
        PrototypeLoss.builder().build().applyToLabels(tf, x, floats(tf, features, t),
            ints(tf, Shape.of(1, 2, 2, 2), labels), K).loss());
    assertTrue(err <= GRAD_TOL, "3-D COSINE_MAP: scaled gradient error " + err);
  }

  @Test
  void rejectsMissingTeacherAndMismatchedShapes() {
    PrototypeLoss cosine = PrototypeLoss.builder().build();
    assertThrows(DelineoException.class, () -> PrismTesting.run(tf -> cosine.applyToLabels(tf,
        floats(tf, FEATURES, STUDENT), null, ints(tf, PIXELS, LABELS), K).loss()));
    assertThrows(ShapeMismatchException.class, () -> PrismTesting.run(tf -> cosine.applyToLabels(
        tf, floats(tf, FEATURES, STUDENT), floats(tf, FEATURES, TEACHER),
        ints(tf, Shape.of(N, 4), LABELS), K).loss()));
    // L2_CLASSIFIER does not need the teacher.
    Operand<TFloat32> unused = null;
    PrototypeLoss classifier = PrototypeLoss.builder().form(Form.L2_CLASSIFIER).build();
    double[][] expected = new Reference().classifier();
    assertClose(expected[0], PrismTesting.run(tf -> classifier.applyToLabels(tf,
        floats(tf, FEATURES, STUDENT), unused, ints(tf, PIXELS, LABELS), K).loss()), TOL,
        "L2_CLASSIFIER without teacher");
    assertThrows(DelineoException.class, () -> PrototypeLoss.builder().clamp(0f).build());
  }
}
