package org.delineo.losses;

import static org.delineo.losses.LossTesting.evaluate;
import static org.delineo.losses.LossTesting.floats;
import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.losses.BoundaryLoss.Mode;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class BoundaryLossTest {
  /** Relative tolerance against the double-precision references (float32 graph arithmetic). */
  private static final double REL_TOL = 1e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 1e-3 on tie-free inputs). */
  private static final double GRAD_TOL = 1e-3;
  private static final double GRAD_EPS = 1e-3;
  /** The class's clamp, as the float32 values the graph uses. */
  private static final double EPS = 1e-7f;
  private static final double ONE_MINUS_EPS = 1f - 1e-7f;

  private static final int N = 2;
  private static final int H = 3;
  private static final int W = 4;
  private static final int K = 3;
  private static final Shape LOGITS = Shape.of(N, H, W, K);
  private static final Shape PIXELS = Shape.of(N, H, W);
  private static final int P = N * H * W;

  // ---- plain-Java references -------------------------------------------------------------

  /** PyTorch's BCE term with the probability clamped to [ε, 1 − ε]. */
  private static double bce(double b, double t) {
    double c = Math.min(Math.max(b, EPS), ONE_MINUS_EPS);
    return -(t * Math.log(c) + (1 - t) * Math.log(1 - c));
  }

  private static int index(int b, int i, int j, int h, int w) {
    return (b * h + i) * w + j;
  }

  /**
   * PROVE's SegBoundaryLoss written out: q = max softmax; b = clamp(max − min over the in-bounds
   * 3×3 window, 0, 1) (PyTorch's padding never wins); t = some 4-neighbour (clamped coordinates =
   * replicate padding) has another label; BCE mean over valid pixels, 0 if none.
   */
  static double morphReference(float[] z, int[] y, int n, int h, int w, int k, int ignore,
      float[] pixelWeights) {
    double[] q = new double[n * h * w];
    for (int p = 0; p < q.length; p++) {
      q[p] = Arrays.stream(LossTesting.softmax(z, p, k)).max().getAsDouble();
    }
    double sum = 0;
    int valid = 0;
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          int p = index(b, i, j, h, w);
          if (y[p] == ignore) {
            continue;
          }
          valid++;
          double max = Double.NEGATIVE_INFINITY;
          double min = Double.POSITIVE_INFINITY;
          for (int ii = Math.max(0, i - 1); ii <= Math.min(h - 1, i + 1); ii++) {
            for (int jj = Math.max(0, j - 1); jj <= Math.min(w - 1, j + 1); jj++) {
              max = Math.max(max, q[index(b, ii, jj, h, w)]);
              min = Math.min(min, q[index(b, ii, jj, h, w)]);
            }
          }
          double predicted = Math.min(Math.max(max - min, 0), 1);
          int up = y[index(b, Math.max(i - 1, 0), j, h, w)];
          int down = y[index(b, Math.min(i + 1, h - 1), j, h, w)];
          int left = y[index(b, i, Math.max(j - 1, 0), h, w)];
          int right = y[index(b, i, Math.min(j + 1, w - 1), h, w)];
          int own = y[p];
          double target = own != up || own != down || own != left || own != right ? 1 : 0;
          sum += bce(predicted, target) * (pixelWeights == null ? 1 : pixelWeights[p]);
        }
      }
    }
    return valid == 0 ? 0 : sum / valid;
  }

  /**
   * Sobel edge strength of K-channel maps x[p·k + c]: replicate padding, Gx / Gy cross-correlation
   * per channel, magnitude over channels (0 when the squared sum is ≤ 1e-12), ÷ 4√2, min 1.
   */
  static double[] sobelReference(double[] x, int n, int h, int w, int k) {
    int[][] gx = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
    double[] out = new double[n * h * w];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          double s = 0;
          for (int c = 0; c < k; c++) {
            double dx = 0;
            double dy = 0;
            for (int di = -1; di <= 1; di++) {
              for (int dj = -1; dj <= 1; dj++) {
                int ii = Math.min(Math.max(i + di, 0), h - 1);
                int jj = Math.min(Math.max(j + dj, 0), w - 1);
                double v = x[index(b, ii, jj, h, w) * k + c];
                dx += gx[di + 1][dj + 1] * v;
                dy += gx[dj + 1][di + 1] * v;
              }
            }
            s += dx * dx + dy * dy;
          }
          double magnitude = s > 1e-12 ? Math.sqrt(s) : 0;
          out[index(b, i, j, h, w)] = Math.min(1, magnitude / (4 * Math.sqrt(2)));
        }
      }
    }
    return out;
  }

  /** Sobel edges of softmax(z) vs. Sobel edges of onehot(y) (255 → zero row), BCE mean over valid. */
  static double sobelModeReference(float[] z, int[] y, int n, int h, int w, int k, int ignore,
      float[] pixelWeights) {
    int pixels = n * h * w;
    double[] probs = new double[pixels * k];
    double[] oneHot = new double[pixels * k];
    for (int p = 0; p < pixels; p++) {
      System.arraycopy(LossTesting.softmax(z, p, k), 0, probs, p * k, k);
      if (y[p] >= 0 && y[p] < k) {
        oneHot[p * k + y[p]] = 1;
      }
    }
    double[] predicted = sobelReference(probs, n, h, w, k);
    double[] target = sobelReference(oneHot, n, h, w, k);
    double sum = 0;
    int valid = 0;
    for (int p = 0; p < pixels; p++) {
      if (y[p] == ignore) {
        continue;
      }
      valid++;
      sum += bce(predicted[p], target[p]) * (pixelWeights == null ? 1 : pixelWeights[p]);
    }
    return valid == 0 ? 0 : sum / valid;
  }

  private static double reference(Mode mode, float[] z, int[] y, int ignore, float[] pw) {
    return mode == Mode.MORPH
        ? morphReference(z, y, N, H, W, K, ignore, pw)
        : sobelModeReference(z, y, N, H, W, K, ignore, pw);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static BoundaryLoss loss(Mode mode) {
    return BoundaryLoss.builder().mode(mode).build();
  }

  private static float value(BoundaryLoss loss, Shape logits, Shape pixels, float[] z, int[] y,
      float[] pw) {
    return evaluate(logits, z, (tf, x) -> pw == null
        ? loss.apply(tf, x, ints(tf, pixels, y))
        : loss.apply(tf, x, ints(tf, pixels, y), floats(tf, pixels, pw)));
  }

  private static void assertRel(double expected, double actual, String what) {
    assertEquals(expected, actual, REL_TOL * Math.max(1, Math.abs(expected)),
        what + " (relative tolerance " + REL_TOL + ")");
  }

  /**
   * Logits without near-ties: each pixel's dominant class gets a distinct logit 0.5 + 0.3·rank
   * (ranks a permutation per image), the others noise in [−0.05, 0.05]. The test asserts that every
   * pair of max-class probabilities in one image, and every pixel's top two probabilities, differ
   * by more than 1e-3, four times what an FD step of 1e-3 can move them (|dq/dz| ≤ 1/4).
   */
  private static float[] tieFreeLogits(long seed) {
    Random r = new Random(seed);
    float[] z = new float[P * K];
    int perImage = H * W;
    for (int b = 0; b < N; b++) {
      List<Integer> ranks = new ArrayList<>();
      for (int i = 0; i < perImage; i++) {
        ranks.add(i);
      }
      Collections.shuffle(ranks, r);
      for (int i = 0; i < perImage; i++) {
        int p = b * perImage + i;
        int dominant = r.nextInt(K);
        for (int c = 0; c < K; c++) {
          z[p * K + c] = c == dominant
              ? (float) (0.5 + 0.3 * ranks.get(i))
              : (float) (-0.05 + 0.1 * r.nextDouble());
        }
      }
    }
    for (int b = 0; b < N; b++) {
      for (int i = 0; i < perImage; i++) {
        double[] pi = LossTesting.softmax(z, b * perImage + i, K);
        double[] sorted = pi.clone();
        Arrays.sort(sorted);
        assertTrue(sorted[K - 1] - sorted[K - 2] > 1e-3, "no class tie at pixel " + i);
        for (int j = 0; j < i; j++) {
          double qj = Arrays.stream(LossTesting.softmax(z, b * perImage + j, K)).max().getAsDouble();
          assertTrue(Math.abs(sorted[K - 1] - qj) > 1e-3, "no max-pool tie between " + i + ", " + j);
        }
      }
    }
    return z;
  }

  private static double gradientError(Mode mode, float[] z, int[] y, float[] pw) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(LOGITS));
      Operand<TFloat32> l = loss(mode).apply(tf, x, ints(tf, PIXELS, y),
          pw == null ? null : floats(tf, PIXELS, pw));
      try (Session s = new Session(g)) {
        return GradientCheck.on(g, s).feed(x, LOGITS, z).eps(GRAD_EPS).tolerance(GRAD_TOL)
            .check(l, List.of(x));
      }
    }
  }

  // ---- tests -----------------------------------------------------------------------------

  @Test
  void javadocExampleByHandInBothModes() {
    float[] z = {0f, 0f, (float) Math.log(3), 0f};
    Shape logits = Shape.of(1, 1, 2, 2);
    Shape pixels = Shape.of(1, 1, 2);
    double ln4 = Math.log(4);
    double noEdge = -Math.log(0.75);
    double halfEdge = ln4 / Math.sqrt(2) + (1 - 1 / Math.sqrt(2)) * noEdge;
    for (Mode mode : Mode.values()) {
      BoundaryLoss loss = loss(mode);
      assertRel(ln4, value(loss, logits, pixels, z, new int[] {0, 1}, null), mode + ": b = 0.25, t = 1");
      assertRel(noEdge, value(loss, logits, pixels, z, new int[] {0, 0}, null), mode + ": b = 0.25, t = 0");
      assertRel(mode == Mode.MORPH ? ln4 : halfEdge,
          value(loss, logits, pixels, z, new int[] {0, 255}, null), mode + ": a 255 neighbour");
    }
    assertEquals(Mode.SOBEL, BoundaryLoss.builder().build().mode(), "default mode");
  }

  @Test
  void morphIgnoredNeighbourMakesABoundaryAndFlatPredictionsHitTheClamp() {
    // Equal logits: q = 1/K everywhere, so b = 0 and the BCE sees ε. Labels {0, 0, 255}: pixel 0
    // has only label-0 neighbours (t = 0), pixel 1 touches the 255 (t = 1), pixel 2 is ignored.
    float[] z = new float[3 * K];
    double expected = (-Math.log(1 - EPS) - Math.log(EPS)) / 2;
    assertRel(expected, value(loss(Mode.MORPH), Shape.of(1, 1, 3, K), Shape.of(1, 1, 3), z,
        new int[] {0, 0, 255}, null), "(−ln(1 − ε) − ln ε) / 2 ≈ 8.06");
  }

  @Test
  void bothModesMatchTheReferencesWithIgnoredPixels() {
    float[] z = LossTesting.uniform(P * K, 1, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.3, 2);
    int[] noIgnore = LossTesting.labels(P, K, 0, 3);
    for (Mode mode : Mode.values()) {
      assertRel(reference(mode, z, y, 255, null), value(loss(mode), LOGITS, PIXELS, z, y, null),
          mode + " with 255 labels");
      assertRel(reference(mode, z, noIgnore, 1, null),
          value(BoundaryLoss.builder().mode(mode).ignoreIndex(1).build(), LOGITS, PIXELS, z, noIgnore, null),
          mode + " with ignore index 1");
    }
  }

  @Test
  void pixelWeightsMultiplyTermsButNotTheDivisor() {
    float[] z = LossTesting.uniform(P * K, 4, -3, 3);
    int[] y = LossTesting.labels(P, K, 0.2, 5);
    float[] pw = LossTesting.uniform(P, 6, 0, 2);
    for (Mode mode : Mode.values()) {
      assertRel(reference(mode, z, y, 255, pw), value(loss(mode), LOGITS, PIXELS, z, y, pw),
          mode + " with pixel weights");
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    float[] z = tieFreeLogits(7);
    int[] y = LossTesting.labels(P, K, 0.2, 8);
    float[] pw = LossTesting.uniform(P, 9, 0.5, 1.5);
    for (Mode mode : Mode.values()) {
      gradientError(mode, z, y, null);
      gradientError(mode, z, y, pw);
    }
  }

  @Test
  void everyPixelIgnoredGivesZeroWithAZeroGradient() {
    float[] z = LossTesting.uniform(P * K, 10, -3, 3);
    int[] y = new int[P];
    Arrays.fill(y, 255);
    for (Mode mode : Mode.values()) {
      LossAndGradient r = LossAndGradient.of(LOGITS, z,
          (tf, x) -> loss(mode).apply(tf, x, ints(tf, PIXELS, y))).assertFinite(mode + " all ignored");
      assertEquals(0f, r.loss(), 0f, mode + ": all ignored gives exactly 0");
      assertEquals(0, r.maxAbsGradient(), 0, mode + ": and no gradient");
    }
  }

  @Test
  void classAbsentAndSingleValidPixel() {
    float[] z = LossTesting.uniform(P * K, 11, -3, 3);
    int[] twoClasses = new Random(12).ints(P, 0, 2).toArray(); // class 2 absent
    int[] single = new int[P];
    Arrays.fill(single, 255);
    single[5] = 2;
    for (Mode mode : Mode.values()) {
      assertRel(reference(mode, z, twoClasses, 255, null),
          value(loss(mode), LOGITS, PIXELS, z, twoClasses, null), mode + ": class 2 absent");
      assertRel(reference(mode, z, single, 255, null),
          value(loss(mode), LOGITS, PIXELS, z, single, null), mode + ": one valid pixel");
      LossAndGradient.of(LOGITS, z, (tf, x) -> loss(mode).apply(tf, x, ints(tf, PIXELS, single)))
          .assertFinite(mode + " one valid pixel");
    }
  }

  @Test
  void extremeLogitsGiveFiniteLossAndGradient() {
    Random r = new Random(13);
    float[] z = new float[P * K];
    for (int i = 0; i < z.length; i++) {
      z[i] = r.nextBoolean() ? 50f : -50f;
    }
    int[] y = LossTesting.labels(P, K, 0.2, 14);
    for (Mode mode : Mode.values()) {
      LossAndGradient result = LossAndGradient.of(LOGITS, z,
          (tf, x) -> loss(mode).apply(tf, x, ints(tf, PIXELS, y))).assertFinite(mode + " ±50 logits");
      assertRel(reference(mode, z, y, 255, null), result.loss(), mode + " ±50 logits");
    }
  }

  @Test
  void rejectsVolumesAndMismatchedLabels() {
    assertThrows(ShapeMismatchException.class, () -> evaluate(Shape.of(1, 2, 2, 2, K), new float[8 * K],
        (tf, x) -> loss(Mode.SOBEL).apply(tf, x, ints(tf, Shape.of(1, 2, 2, 2), new int[8]))));
    assertThrows(ShapeMismatchException.class, () -> evaluate(LOGITS, new float[P * K],
        (tf, x) -> loss(Mode.MORPH).apply(tf, x, ints(tf, Shape.of(N, W, H), new int[P]))));
  }
}
