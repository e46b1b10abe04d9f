package org.delineo.losses.mask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Targets, the batched matching cost and one stage's loss on a hand case: 2 images of 4 × 4 labels
 * (image 0: class 1 on the left half, class 0 on the right; image 1: all ignored), Q = 3 queries,
 * K = 2 classes, all mask logits 0 so that σ = ½ at every point and the BCE terms are ln 2 whatever
 * the targets. The target values at the random points are computed here by plain bilinear
 * sampling (zero padding, half-pixel) at the points the public samplers give for the same keys.
 */
class Mask2FormerCriterionTest {
  private static final int P = 16;
  private static final int Q = 3;
  private static final int K = 2;
  private static final int[][][] LABELS = {
      {{1, 1, 0, 0}, {1, 1, 0, 0}, {1, 1, 0, 0}, {1, 1, 0, 0}},
      {{255, 255, 255, 255}, {255, 255, 255, 255}, {255, 255, 255, 255}, {255, 255, 255, 255}}};
  /** Class logits [2, 3, 3]; the last column is no-object. */
  private static final float[][][] CLASS_LOGITS = {
      {{1f, 0f, 0f}, {0f, 2f, 0f}, {0f, 0f, 3f}},
      {{0.5f, 0f, 1f}, {0f, 0f, 0f}, {-1f, 1f, 2f}}};

  @Test
  void targetsAreOneMaskPerPresentClassWithoutTheIgnoreLabel() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      ClassMaskTargets t = ClassMaskTargets.of(tf, tf.constant(LABELS), K, 255);
      // Ignore index inside [0, K): class 0 is then no target.
      ClassMaskTargets t0 = ClassMaskTargets.of(tf, tf.constant(LABELS), K, 0);
      try (Result r = s.runner().fetch(t.present()).fetch(t.masks()).fetch(t0.present()).run()) {
        TBool present = (TBool) r.get(0);
        assertArrayEquals(new boolean[] {true, true, false, false}, new boolean[] {
            present.getBoolean(0, 0), present.getBoolean(0, 1), present.getBoolean(1, 0), present.getBoolean(1, 1)});
        TFloat32 masks = (TFloat32) r.get(1);
        assertEquals(1f, masks.getFloat(0, 2, 0, 1));
        assertEquals(0f, masks.getFloat(0, 2, 0, 0));
        assertEquals(1f, masks.getFloat(0, 2, 3, 0));
        assertEquals(0f, masks.getFloat(1, 2, 3, 0) + masks.getFloat(1, 2, 3, 1));
        TBool without = (TBool) r.get(2);
        assertEquals(false, without.getBoolean(0, 0));
        assertEquals(true, without.getBoolean(0, 1));
      }
    }
  }

  @Test
  void costIsEachImagesOwnClassBceAndDiceCost() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TInt64> key = tf.constant(new long[] {11, 3});
      ClassMaskTargets targets = ClassMaskTargets.of(tf, tf.constant(LABELS), K, 255);
      Operand<TFloat32> cost = new Mask2FormerCriterion(K, P).cost(tf, tf.constant(CLASS_LOGITS),
          tf.zeros(tf.constant(new int[] {2, Q, 2, 2}), TFloat32.class), targets, key);
      Operand<TFloat32> points = UncertaintyPointSampler.randomPoints(tf, tf.constant(2), P, key);
      try (Result r = s.runner().fetch(cost).fetch(points).run()) {
        float[] c = Tensors.toFloats(r.get(0));
        float[] pts = Tensors.toFloats(r.get(1));
        for (int n = 0; n < 2; n++) {
          for (int q = 0; q < Q; q++) {
            double[] softmax = softmax(CLASS_LOGITS[n][q]);
            for (int k = 0; k < K; k++) {
              double sumT = 0;
              for (int p = 0; p < P; p++) {
                sumT += bilinear(mask(n, k), pts[(n * P + p) * 2], pts[(n * P + p) * 2 + 1]);
              }
              double dice = 1 - (2 * 0.5 * sumT + 1) / (0.5 * P + sumT + 1);
              double expected = 2 * -softmax[k] + 5 * Math.log(2) + 5 * dice;
              assertEquals(expected, c[(n * Q + q) * K + k], 1e-4, "image " + n + " query " + q + " class " + k);
            }
          }
        }
      }
    }
  }

  @Test
  void lossOfAHandCaseWithMoreQueriesThanTargetsAndAnAllIgnoredImage() {
    // Image 0: query 1 ↔ class 1, query 2 ↔ class 0, query 0 no object; image 1: all no object.
    int[][] assignment = {{-1, 1, 0}, {-1, -1, -1}};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TInt64> key = tf.constant(new long[] {5, 9});
      ClassMaskTargets targets = ClassMaskTargets.of(tf, tf.constant(LABELS), K, 255);
      Mask2FormerCriterion.Terms terms = new Mask2FormerCriterion(K, P).loss(tf, tf.constant(CLASS_LOGITS),
          tf.zeros(tf.constant(new int[] {2, Q, 2, 2}), TFloat32.class), targets, tf.constant(assignment), key);
      // The matched predictions are two all-zero 2 × 2 maps: the sampler's points for them, same key.
      Operand<TFloat32> points = UncertaintyPointSampler.mask2former(P)
          .sample(tf, tf.zeros(tf.constant(new int[] {2, 2, 2}), TFloat32.class), key).points();
      try (Result r = s.runner().fetch(terms.classLoss()).fetch(terms.maskLoss()).fetch(terms.diceLoss())
          .fetch(points).run()) {
        double weighted = 0;
        double weights = 0;
        for (int n = 0; n < 2; n++) {
          for (int q = 0; q < Q; q++) {
            int label = assignment[n][q] < 0 ? K : assignment[n][q];
            double w = assignment[n][q] < 0 ? 0.1 : 1;
            weighted += w * -Math.log(softmax(CLASS_LOGITS[n][q])[label]);
            weights += w;
          }
        }
        assertEquals(2 * weighted / weights, Tensors.scalar(r, 0), 1e-5, "2 · Σ w·CE / Σ w");
        assertEquals(5 * Math.log(2), Tensors.scalar(r, 1), 1e-5, "5 · BCE at σ = ½, any targets");
        float[] pts = Tensors.toFloats(r.get(3));
        // Matched masks in (image, query) order: (0, 1) → class 1, (0, 2) → class 0.
        int[] classes = {1, 0};
        double dice = 0;
        for (int m = 0; m < 2; m++) {
          double sumT = 0;
          for (int p = 0; p < P; p++) {
            sumT += bilinear(mask(0, classes[m]), pts[(m * P + p) * 2], pts[(m * P + p) * 2 + 1]);
          }
          dice += 1 - (2 * 0.5 * sumT + 1) / (0.5 * P + sumT + 1);
        }
        assertEquals(5 * dice / 2, Tensors.scalar(r, 2), 1e-5, "5 · mean Dice over the 2 matched masks");
      }
    }
  }

  @Test
  void noMatchedMaskGivesZeroMaskTerms() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      ClassMaskTargets targets = ClassMaskTargets.of(tf, tf.constant(LABELS), K, 255);
      Mask2FormerCriterion.Terms terms = new Mask2FormerCriterion(K, P).loss(tf, tf.constant(CLASS_LOGITS),
          tf.zeros(tf.constant(new int[] {2, Q, 2, 2}), TFloat32.class), targets,
          tf.constant(new int[][] {{-1, -1, -1}, {-1, -1, -1}}), tf.constant(new long[] {1, 2}));
      try (Result r = s.runner().fetch(terms.maskLoss()).fetch(terms.diceLoss()).run()) {
        assertEquals(0f, Tensors.scalar(r, 0));
        assertEquals(0f, Tensors.scalar(r, 1));
      }
    }
  }

  @Test
  void gradientsOfAStageLossMatchFiniteDifferences() {
    // One point per mask: int(0.75 · 1) = 0 uncertain points, so the points do not move with the logits and
    // the loss is smooth in them (with uncertain points a perturbation may swap the chosen candidates).
    int[][] assignment = {{-1, 1, 0}, {-1, -1, -1}};
    float[] classValues = new float[2 * Q * (K + 1)];
    float[] maskValues = new float[2 * Q * 2 * 2];
    for (int i = 0; i < classValues.length; i++) {
      classValues[i] = (float) Math.sin(1.3 * i);
    }
    for (int i = 0; i < maskValues.length; i++) {
      maskValues[i] = (float) Math.cos(0.7 * i) * 2;
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> cls = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, Q, K + 1)));
      Operand<TFloat32> masks = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, Q, 2, 2)));
      ClassMaskTargets targets = ClassMaskTargets.of(tf, tf.constant(LABELS), K, 255);
      Operand<TFloat32> loss = new Mask2FormerCriterion(K, 1).loss(tf, cls, masks, targets, tf.constant(assignment),
          tf.constant(new long[] {4, 4})).total(tf);
      try (Session s = new Session(g)) {
        double err = GradientCheck.on(g, s).feed(cls, Shape.of(2, Q, K + 1), classValues)
            .feed(masks, Shape.of(2, Q, 2, 2), maskValues).eps(1e-2).tolerance(1e-3).check(loss, List.of(cls, masks));
        assertEquals(0, err, 1e-3);
      }
    }
  }

  /** The 0/1 mask of class k in image n. */
  private static float[][] mask(int n, int k) {
    float[][] m = new float[4][4];
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        m[y][x] = LABELS[n][y][x] == k ? 1f : 0f;
      }
    }
    return m;
  }

  /** grid_sample bilinear, zeros padding, align_corners false, at (x, y) in [0, 1]². */
  private static double bilinear(float[][] map, float x, float y) {
    int h = map.length;
    int w = map[0].length;
    double u = x * w - 0.5;
    double v = y * h - 0.5;
    int u0 = (int) Math.floor(u);
    int v0 = (int) Math.floor(v);
    double fu = u - u0;
    double fv = v - v0;
    double sum = 0;
    for (int dy = 0; dy < 2; dy++) {
      for (int dx = 0; dx < 2; dx++) {
        int yy = v0 + dy;
        int xx = u0 + dx;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
          sum += map[yy][xx] * (dx == 0 ? 1 - fu : fu) * (dy == 0 ? 1 - fv : fv);
        }
      }
    }
    return sum;
  }

  private static double[] softmax(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] e = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      e[i] = Math.exp(z[i] - max);
      sum += e[i];
    }
    for (int i = 0; i < z.length; i++) {
      e[i] /= sum;
    }
    return e;
  }
}
