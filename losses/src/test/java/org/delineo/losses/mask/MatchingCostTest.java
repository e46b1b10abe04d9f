package org.delineo.losses.mask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class MatchingCostTest {
  private static final int Q = 3;
  private static final int T = 2;
  private static final int P = 5;
  /** Real classes; the class logits have K + 1 entries, "no object" last. */
  private static final int K = 3;
  private static final double REL_TOL = 1e-5;

  /** One image's inputs, flattened row-major. */
  private record Inputs(int targets, float[] classLogits, float[] maskLogits, int[] targetClasses,
      float[] targetMasks) {}

  /** Builds one of the graph costs on placeholders. */
  private interface CostGraph {
    Operand<TFloat32> build(Ops tf, Operand<TFloat32> classLogits, Operand<TFloat32> maskLogits,
        Operand<TInt32> targetClasses, Operand<TFloat32> targetMasks);
  }

  /** A fetched [Q, T] matrix. */
  private record Fetched(long[] shape, float[] values) {}

  /** Random logits in [-3, 3); targets 0/1 unless {@code fractional}, then in [0, 1]. */
  private static Inputs random(long seed, int targets, boolean fractional) {
    Random r = new Random(seed);
    float[] cls = new float[Q * (K + 1)];
    float[] masks = new float[Q * P];
    int[] ids = new int[targets];
    float[] gt = new float[targets * P];
    for (int i = 0; i < cls.length; i++) {
      cls[i] = (float) (6 * r.nextDouble() - 3);
    }
    for (int i = 0; i < masks.length; i++) {
      masks[i] = (float) (6 * r.nextDouble() - 3);
    }
    for (int t = 0; t < targets; t++) {
      ids[t] = r.nextInt(K);
    }
    for (int i = 0; i < gt.length; i++) {
      gt[i] = fractional ? (float) r.nextDouble() : r.nextInt(2);
    }
    return new Inputs(targets, cls, masks, ids, gt);
  }

  /**
   * Feeds the inputs to placeholders ({@code staticShapes}: with their sizes; else [-1, -1] etc.,
   * so P is read at run time) and fetches the [Q, T] cost.
   */
  private static Fetched run(Inputs in, boolean staticShapes, CostGraph cost) {
    int t = in.targets();
    Shape clsShape = Shape.of(Q, K + 1);
    Shape maskShape = Shape.of(Q, P);
    Shape idShape = Shape.of(t);
    Shape gtShape = Shape.of(t, P);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> cls = tf.placeholder(TFloat32.class,
          Placeholder.shape(staticShapes ? clsShape : Shape.of(-1, -1)));
      Placeholder<TFloat32> masks = tf.placeholder(TFloat32.class,
          Placeholder.shape(staticShapes ? maskShape : Shape.of(-1, -1)));
      Placeholder<TInt32> ids = tf.placeholder(TInt32.class,
          Placeholder.shape(staticShapes ? idShape : Shape.of(-1)));
      Placeholder<TFloat32> gt = tf.placeholder(TFloat32.class,
          Placeholder.shape(staticShapes ? gtShape : Shape.of(-1, -1)));
      Operand<TFloat32> out = cost.build(tf, cls, masks, ids, gt);
      try (Session s = new Session(g);
          TFloat32 clsIn = Tensors.floats(clsShape, in.classLogits());
          TFloat32 masksIn = Tensors.floats(maskShape, in.maskLogits());
          TInt32 idsIn = Tensors.ints(idShape, in.targetClasses());
          TFloat32 gtIn = Tensors.floats(gtShape, in.targetMasks());
          Result r = s.runner().feed(cls, clsIn).feed(masks, masksIn).feed(ids, idsIn)
              .feed(gt, gtIn).fetch(out).run()) {
        return new Fetched(r.get(0).shape().asArray(), Tensors.toFloats(r, 0));
      }
    }
  }

  // Plain-Java references in double, written from the textbook forms rather than mmdet's
  // decomposition: softmax probability, mean binary cross-entropy −[g·log σ + (1 − g)·log(1 − σ)],
  // and the naive Dice with eps.

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static double classCost(Inputs in, int q, int t) {
    double sum = 0;
    for (int c = 0; c <= K; c++) {
      sum += Math.exp(in.classLogits()[q * (K + 1) + c]);
    }
    return -Math.exp(in.classLogits()[q * (K + 1) + in.targetClasses()[t]]) / sum;
  }

  private static double bceCost(Inputs in, int q, int t) {
    double sum = 0;
    for (int p = 0; p < P; p++) {
      double s = sigmoid(in.maskLogits()[q * P + p]);
      double g = in.targetMasks()[t * P + p];
      sum += -(g * Math.log(s) + (1 - g) * Math.log(1 - s));
    }
    return sum / P;
  }

  private static double diceCost(Inputs in, int q, int t, double eps) {
    double inter = 0;
    double pred = 0;
    double target = 0;
    for (int p = 0; p < P; p++) {
      double s = sigmoid(in.maskLogits()[q * P + p]);
      double g = in.targetMasks()[t * P + p];
      inter += s * g;
      pred += s;
      target += g;
    }
    return 1 - (2 * inter + eps) / (pred + target + eps);
  }

  private interface Term {
    double at(Inputs in, int q, int t);
  }

  private static void assertMatches(Term expected, Inputs in, Fetched found, String what) {
    assertArrayEquals(new long[] {Q, in.targets()}, found.shape(), what + ": shape [Q, T]");
    for (int q = 0; q < Q; q++) {
      for (int t = 0; t < in.targets(); t++) {
        double e = expected.at(in, q, t);
        assertEquals(e, found.values()[q * in.targets() + t], REL_TOL * Math.max(1, Math.abs(e)),
            what + " [" + q + ", " + t + "]");
      }
    }
  }

  @Test
  void classificationIsMinusTheSoftmaxProbabilityOfTheTargetClass() {
    Inputs in = random(1, T, false);
    assertMatches(MatchingCostTest::classCost, in,
        run(in, true, (tf, c, m, i, g) -> MatchingCost.classification(tf, c, i)), "class");
  }

  @Test
  void binaryCrossEntropyIsTheMeanOverPointsForBinaryAndFractionalTargets() {
    for (boolean fractional : new boolean[] {false, true}) {
      Inputs in = random(2, T, fractional);
      assertMatches(MatchingCostTest::bceCost, in,
          run(in, true, (tf, c, m, i, g) -> MatchingCost.binaryCrossEntropy(tf, m, g)),
          "bce, fractional " + fractional);
    }
  }

  @Test
  void diceUsesSigmoidFirstPowersAndEps() {
    for (float eps : new float[] {1f, 1e-3f}) {
      Inputs in = random(3, T, false);
      assertMatches((x, q, t) -> diceCost(x, q, t, eps), in,
          run(in, true, (tf, c, m, i, g) -> MatchingCost.dice(tf, m, g, eps)), "dice eps " + eps);
    }
  }

  @Test
  void mask2formerWeightsTheTermsTwoFiveFive() {
    Inputs in = random(4, T, false);
    Term total = (x, q, t) -> 2 * classCost(x, q, t) + 5 * bceCost(x, q, t) + 5 * diceCost(x, q, t, 1);
    assertMatches(total, in, run(in, true, MatchingCost.mask2former()::apply), "weighted sum");
    assertMatches(total, in, run(in, false, MatchingCost.mask2former()::apply),
        "weighted sum, sizes known only at run time");
    Term other = (x, q, t) -> 1.5 * classCost(x, q, t) + 0 * bceCost(x, q, t) + 3 * diceCost(x, q, t, 0.5);
    assertMatches(other, in, run(in, true, MatchingCost.of(1.5f, 0f, 3f, 0.5f)::apply),
        "weights 1.5 / 0 / 3, eps 0.5");
  }

  @Test
  void javadocExampleByHand() {
    // One query with logits (0, 0) against target class 0 and mask (1, 0) at two points.
    double expected = 2 * -0.5 + 5 * Math.log(2) + 5 * (1 - 2.0 / 3);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> cost = MatchingCost.mask2former().apply(tf,
          tf.constant(new float[][] {{0f, 0f}}), tf.constant(new float[][] {{0f, 0f}}),
          tf.constant(new int[] {0}), tf.constant(new float[][] {{1f, 0f}}));
      try (Session s = new Session(g); Result r = s.runner().fetch(cost).run()) {
        assertEquals(expected, Tensors.toFloats(r, 0)[0], 1e-5, "≈ 4.1324");
      }
    }
  }

  @Test
  void noTargetsGivesAnEmptyCostAndNoMatches() {
    Inputs in = random(5, 0, false);
    for (boolean staticShapes : new boolean[] {true, false}) {
      Fetched f = run(in, staticShapes, MatchingCost.mask2former()::apply);
      assertArrayEquals(new long[] {Q, 0}, f.shape(), "[Q, 0], static shapes " + staticShapes);
      assertArrayEquals(new int[] {-1, -1, -1}, HungarianSolver.matchQueries(f.values(), Q, 0));
    }
  }

  @Test
  void fetchedCostFeedsTheSolver() {
    // A query whose mask equals a target and whose class logits favour its class should take it.
    Inputs in = random(6, T, false);
    float[] masks = in.maskLogits().clone();
    float[] cls = in.classLogits().clone();
    for (int p = 0; p < P; p++) {
      masks[2 * P + p] = in.targetMasks()[p] > 0.5f ? 8f : -8f;
      masks[0 * P + p] = in.targetMasks()[P + p] > 0.5f ? 8f : -8f;
    }
    cls[2 * (K + 1) + in.targetClasses()[0]] = 10f;
    cls[0 * (K + 1) + in.targetClasses()[1]] = 10f;
    Inputs planted = new Inputs(T, cls, masks, in.targetClasses(), in.targetMasks());
    Fetched f = run(planted, true, MatchingCost.mask2former()::apply);
    assertArrayEquals(new int[] {1, -1, 0}, HungarianSolver.matchQueries(f.values(), Q, T));
  }

  @Test
  void mismatchedShapesAndSettingsAreUserErrors() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> cls = tf.zeros(tf.constant(new int[] {Q, K + 1}), TFloat32.class);
      Operand<TFloat32> masks = tf.zeros(tf.constant(new int[] {Q, P}), TFloat32.class);
      Operand<TInt32> ids = tf.constant(new int[] {0, 1});
      Operand<TFloat32> fewerPoints = tf.zeros(tf.constant(new int[] {T, P - 1}), TFloat32.class);
      ShapeMismatchException points = assertThrows(ShapeMismatchException.class,
          () -> MatchingCost.mask2former().apply(tf, cls, masks, ids, fewerPoints));
      assertTrue(points.getMessage().contains("points"), points.getMessage());
      Operand<TFloat32> moreQueries = tf.zeros(tf.constant(new int[] {Q + 1, P}), TFloat32.class);
      Operand<TFloat32> gt = tf.zeros(tf.constant(new int[] {T, P}), TFloat32.class);
      ShapeMismatchException queries = assertThrows(ShapeMismatchException.class,
          () -> MatchingCost.mask2former().apply(tf, cls, moreQueries, ids, gt));
      assertTrue(queries.getMessage().contains("queries"), queries.getMessage());
      Operand<TFloat32> oneTarget = tf.zeros(tf.constant(new int[] {1, P}), TFloat32.class);
      ShapeMismatchException targets = assertThrows(ShapeMismatchException.class,
          () -> MatchingCost.mask2former().apply(tf, cls, masks, ids, oneTarget));
      assertTrue(targets.getMessage().contains("targets"), targets.getMessage());
      assertThrows(ShapeMismatchException.class, () -> MatchingCost.classification(tf, masks,
          tf.constant(new int[][] {{0}})));
    }
    DelineoException weight = assertThrows(DelineoException.class,
        () -> MatchingCost.of(2f, -1f, 5f, 1f));
    assertTrue(weight.getMessage().contains("mask weight") && weight.getMessage().contains("-1"),
        weight.getMessage());
    DelineoException eps = assertThrows(DelineoException.class, () -> MatchingCost.of(2f, 5f, 5f, 0f));
    assertTrue(eps.getMessage().contains("dice eps"), eps.getMessage());
  }
}
