package org.delineo.losses.mask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.ReferenceGridSample;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

class UncertaintyPointSamplerTest {
  private static final int M = 3;
  private static final int H = 5;
  private static final int W = 6;
  private static final Shape LOGITS = Shape.of(M, H, W);

  /** Logits in [−4, 4], so the masks have both confident and uncertain regions. */
  private static float[] logits() {
    Random r = new Random(7);
    float[] v = new float[M * H * W];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (8 * r.nextDouble() - 4);
    }
    return v;
  }

  @Test
  void countsTruncateLikePythonInt() {
    UncertaintyPointSampler m2f = UncertaintyPointSampler.mask2former(12_544);
    assertEquals(37_632, m2f.numCandidates());
    assertEquals(9_408, m2f.numUncertain());
    assertEquals(3_136, m2f.numRandom());
    UncertaintyPointSampler odd = new UncertaintyPointSampler(5, 2.5, 0.5);
    assertEquals(12, odd.numCandidates(), "int(12.5)");
    assertEquals(2, odd.numUncertain(), "int(2.5)");
    assertEquals(3, odd.numRandom());
    UncertaintyPointSampler ten = UncertaintyPointSampler.mask2former(10);
    assertEquals(30, ten.numCandidates());
    assertEquals(7, ten.numUncertain(), "int(7.5)");
    assertEquals(3, ten.numRandom());
  }

  @Test
  void keepsExactlyTheMostUncertainCandidatesThenFreshUniformPoints() {
    UncertaintyPointSampler sampler = UncertaintyPointSampler.mask2former(10);
    float[] logits = logits();
    Sampled s = run(sampler, logits, new long[] {11, 3});
    int kp = sampler.numCandidates();
    int k = sampler.numUncertain();
    int p = sampler.numPoints();
    assertEquals(M * p * 2, s.points.length, "points [M, P, 2]");
    assertEquals(M * kp * 2, s.candidates.length, "candidates [M, kP, 2]");
    assertEquals(M * kp, s.uncertainties.length, "uncertainties [M, kP]");
    for (int m = 0; m < M; m++) {
      float[] mask = Arrays.copyOfRange(logits, m * H * W, (m + 1) * H * W);
      float[] cand = Arrays.copyOfRange(s.candidates, m * kp * 2, (m + 1) * kp * 2);
      double[] sampled = ReferenceGridSample.sample(mask, 1, H, W, 1, cand, kp);
      for (int i = 0; i < kp; i++) {
        assertEquals(-Math.abs(sampled[i]), s.uncertainties[m * kp + i], 1e-5,
            "uncertainty of mask " + m + " at candidate " + i + " is −|bilinear logit|");
      }
      int mask0 = m;
      List<Integer> byUncertainty = new ArrayList<>(IntStream.range(0, kp).boxed().toList());
      byUncertainty.sort(Comparator.comparingDouble(i -> -s.uncertainties[mask0 * kp + i]));
      for (int j = 0; j < k; j++) {
        int c = byUncertainty.get(j);
        assertEquals(cand[2 * c], s.points[(m * p + j) * 2], 0f, "mask " + m + " point " + j + " x");
        assertEquals(cand[2 * c + 1], s.points[(m * p + j) * 2 + 1], 0f,
            "mask " + m + " point " + j + " y");
      }
      for (int j = k; j < p; j++) {
        float x = s.points[(m * p + j) * 2];
        float y = s.points[(m * p + j) * 2 + 1];
        for (int c = 0; c < kp; c++) {
          assertFalse(x == cand[2 * c] && y == cand[2 * c + 1],
              "mask " + m + " point " + j + " is a fresh point, not candidate " + c);
        }
      }
    }
    assertAllInUnitSquare(s.points);
    assertAllInUnitSquare(s.candidates);
  }

  @Test
  void sameKeyGivesTheSamePointsInAnotherGraphAndOtherKeysOtherPoints() {
    UncertaintyPointSampler sampler = UncertaintyPointSampler.mask2former(10);
    float[] logits = logits();
    float[] first = run(sampler, logits, new long[] {5, 42}).points;
    float[] again = run(sampler, logits, new long[] {5, 42}).points;
    float[] nextStep = run(sampler, logits, new long[] {5, 43}).points;
    float[] otherSeed = run(sampler, logits, new long[] {6, 42}).points;
    assertArrayEquals(first, again, "same key, fresh graph and session");
    assertFalse(Arrays.equals(first, nextStep), "another step draws other points");
    assertFalse(Arrays.equals(first, otherSeed), "another seed draws other points");
  }

  @Test
  void edgeRatiosKeepOnlyRandomOrOnlyUncertainPoints() {
    float[] logits = logits();
    Sampled random = run(new UncertaintyPointSampler(4, 2.0, 0.0), logits, new long[] {1, 1});
    assertEquals(M * 4 * 2, random.points.length);
    Sampled uncertain = run(new UncertaintyPointSampler(4, 1.0, 1.0), logits, new long[] {1, 1});
    assertEquals(M * 4 * 2, uncertain.points.length);
    // Oversample 1 and importance 1: the points are the candidates, reordered by uncertainty.
    for (int m = 0; m < M; m++) {
      for (int j = 1; j < 4; j++) {
        assertTrue(pointUncertainty(uncertain, m, j - 1) >= pointUncertainty(uncertain, m, j),
            "decreasing uncertainty");
      }
    }
    assertAllInUnitSquare(random.points);
  }

  @Test
  void randomPointsHaveTheRequestedShapeAndDependOnlyOnTheKey() {
    float[][] draws = new float[3][];
    long[][] keys = {{9, 1}, {9, 1}, {9, 2}};
    for (int d = 0; d < 3; d++) {
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> pts = UncertaintyPointSampler.randomPoints(
            tf, tf.constant(2), 7, tf.constant(keys[d]));
        try (Session s = new Session(g); Result r = s.runner().fetch(pts).run()) {
          assertEquals(Shape.of(2, 7, 2), r.get(0).shape());
          draws[d] = Tensors.toFloats(r.get(0));
        }
      }
      assertAllInUnitSquare(draws[d]);
    }
    assertArrayEquals(draws[0], draws[1]);
    assertFalse(Arrays.equals(draws[0], draws[2]));
  }

  @Test
  void pointsCarryNoGradientAndZeroMasksGiveNoPoints() {
    UncertaintyPointSampler sampler = UncertaintyPointSampler.mask2former(4);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, H, W)));
      UncertainPoints sampled = sampler.sample(tf, x, tf.constant(new long[] {2, 2}));
      assertArrayEquals(new long[] {-1, 4, 2}, sampled.points().shape().asArray(), "static P");
      Operand<TFloat32> total = tf.reduceSum(sampled.points(), tf.constant(new int[] {0, 1, 2}));
      Output<?>[] grad = g.addGradients(total.asOutput(), new Output<?>[] {x.asOutput()});
      assertTrue(grad[0] == null || grad[0].isClosed(), "no gradient reaches the logits");
      try (Session s = new Session(g);
          TFloat32 none = TFloat32.tensorOf(Shape.of(0, H, W));
          Result r = s.runner().feed(x, none).fetch(sampled.points()).run()) {
        assertEquals(Shape.of(0, 4, 2), r.get(0).shape());
      }
    }
  }

  @Test
  void rejectsBadSettingsAndShapes() {
    DelineoException e = assertThrows(DelineoException.class,
        () -> new UncertaintyPointSampler(10, 0.5, 0.75));
    assertEquals("point sampler: oversample_ratio must be >= 1, found 0.5", e.getMessage());
    assertThrows(DelineoException.class, () -> new UncertaintyPointSampler(10, 3, 1.5));
    assertThrows(DelineoException.class, () -> new UncertaintyPointSampler(0, 3, 0.75));
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> fourD = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, H, W, 1)));
      Operand<TFloat32> ok = tf.placeholder(TFloat32.class, Placeholder.shape(LOGITS));
      UncertaintyPointSampler sampler = UncertaintyPointSampler.mask2former(4);
      assertThrows(ShapeMismatchException.class,
          () -> sampler.sample(tf, fourD, tf.constant(new long[] {1, 2})));
      assertThrows(ShapeMismatchException.class,
          () -> sampler.sample(tf, ok, tf.constant(new long[] {1, 2, 3})));
    }
  }

  /** The fetched values of one sampling run. */
  private record Sampled(float[] points, float[] candidates, float[] uncertainties) {}

  private static Sampled run(UncertaintyPointSampler sampler, float[] logits, long[] key) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, H, W)));
      Operand<TInt64> k = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      UncertainPoints u = sampler.sample(tf, x, k);
      try (Session s = new Session(g);
          TFloat32 in = Tensors.floats(LOGITS, logits);
          TInt64 keyTensor = TInt64.vectorOf(key);
          Result r = s.runner().feed(x, in).feed(k, keyTensor)
              .fetch(u.points()).fetch(u.candidates()).fetch(u.candidateUncertainties()).run()) {
        return new Sampled(Tensors.toFloats(r, 0), Tensors.toFloats(r, 1), Tensors.toFloats(r, 2));
      }
    }
  }

  /** The uncertainty of output point j of mask m, found among that mask's candidates. */
  private static float pointUncertainty(Sampled s, int m, int j) {
    int kp = s.uncertainties.length / M;
    int p = s.points.length / M / 2;
    for (int c = 0; c < kp; c++) {
      if (s.candidates[(m * kp + c) * 2] == s.points[(m * p + j) * 2]
          && s.candidates[(m * kp + c) * 2 + 1] == s.points[(m * p + j) * 2 + 1]) {
        return s.uncertainties[m * kp + c];
      }
    }
    throw new AssertionError("point " + j + " of mask " + m + " is not a candidate");
  }

  private static void assertAllInUnitSquare(float[] values) {
    for (int i = 0; i < values.length; i++) {
      assertTrue(values[i] >= 0f && values[i] <= 1f, "value " + i + " = " + values[i] + " in [0, 1]");
    }
  }
}
