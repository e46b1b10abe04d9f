package org.delineo.losses.mask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.delineo.graph.ShapeMismatchException;
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
import org.tensorflow.types.TFloat32;

class PointMaskLossesTest {
  private static final float LN3 = (float) Math.log(3);
  /** The Javadoc example: 2 masks × 3 points. */
  private static final Shape EXAMPLE = Shape.of(2, 3);
  private static final float[] EXAMPLE_LOGITS = {0f, LN3, -LN3, LN3, 0f, -LN3};
  private static final float[] EXAMPLE_TARGETS = {1f, 1f, 0f, 0f, 0.5f, 1f};

  @Test
  void workedExampleByHand() {
    // BCE: ln 2 + 2 ln(4/3) for mask 0, 2 ln 4 + ln 2 for mask 1, over 2·3 points.
    double bce = (6 * Math.log(2) + 2 * Math.log(4.0 / 3)) / 6;
    // Dice: 1 − 7/9 and 1 − 1/2, over 2 masks.
    double dice = 13.0 / 36;
    assertEquals(bce, eval(EXAMPLE, EXAMPLE_LOGITS, EXAMPLE_TARGETS, PointMaskLosses::maskLoss), 1e-6);
    assertEquals(dice, eval(EXAMPLE, EXAMPLE_LOGITS, EXAMPLE_TARGETS, PointMaskLosses::diceLoss), 1e-6);
  }

  @Test
  void matchesThePlainFormulasOnRandomInputs() {
    int m = 4;
    int p = 7;
    Random r = new Random(21);
    float[] z = new float[m * p];
    float[] t = new float[m * p];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) (12 * r.nextDouble() - 6);
      // Mostly hard targets, some fractional ones as bilinear sampling gives near mask edges.
      t[i] = r.nextDouble() < 0.3 ? (float) r.nextDouble() : (r.nextBoolean() ? 1f : 0f);
    }
    double bce = 0;
    double dice = 0;
    for (int row = 0; row < m; row++) {
      double overlap = 0;
      double sumP = 0;
      double sumT = 0;
      for (int k = 0; k < p; k++) {
        int i = row * p + k;
        double sigma = 1 / (1 + Math.exp(-z[i]));
        bce += -t[i] * Math.log(sigma) - (1 - t[i]) * Math.log(1 - sigma);
        overlap += sigma * t[i];
        sumP += sigma;
        sumT += t[i];
      }
      dice += 1 - (2 * overlap + 1) / (sumP + sumT + 1);
    }
    Shape shape = Shape.of(m, p);
    assertEquals(bce / (m * p), eval(shape, z, t, PointMaskLosses::maskLoss), 1e-5, "mask loss");
    assertEquals(dice / m, eval(shape, z, t, PointMaskLosses::diceLoss), 1e-5, "dice loss");
  }

  @Test
  void theMaskCountIsClampedAtOne() {
    // No matched mask: both terms are 0 (mmdet's zero-match branch sums nothing).
    Shape none = Shape.of(0, 3);
    assertEquals(0f, eval(none, new float[0], new float[0], PointMaskLosses::maskLoss), 0f);
    assertEquals(0f, eval(none, new float[0], new float[0], PointMaskLosses::diceLoss), 0f);
    // An explicit count below 1 divides like 1; a count of 4 divides by 4 (and 4·P).
    float sumBce = 6 * (float) (Math.log(2) + Math.log(4.0 / 3) / 3);
    float sumDice = 2 * 13f / 36;
    assertEquals(sumBce / 3, evalWithCount(0.5f, PointMaskLosses::maskLoss), 1e-5, "mask, n = 0.5");
    assertEquals(sumDice, evalWithCount(0f, PointMaskLosses::diceLoss), 1e-5, "dice, n = 0");
    assertEquals(sumBce / 12, evalWithCount(4f, PointMaskLosses::maskLoss), 1e-5, "mask, n = 4");
    assertEquals(sumDice / 4, evalWithCount(4f, PointMaskLosses::diceLoss), 1e-5, "dice, n = 4");
  }

  @Test
  void gradientsWithRespectToTheLogitsMatchFiniteDifferences() {
    // The example includes logits at exactly 0, where a max(z, 0) formulation has a wrong kink.
    float[] logits = {0f, LN3, -LN3, 2.5f, 0f, -0.7f};
    for (Loss loss : List.<Loss>of(PointMaskLosses::maskLoss, PointMaskLosses::diceLoss)) {
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> z = tf.placeholder(TFloat32.class, Placeholder.shape(EXAMPLE));
        Operand<TFloat32> value = loss.apply(tf, z, constant(tf, EXAMPLE, EXAMPLE_TARGETS));
        try (Session s = new Session(g)) {
          double err = GradientCheck.on(g, s).feed(z, EXAMPLE, logits).eps(1e-2).tolerance(1e-3)
              .check(value, List.of(z));
          assertEquals(0, err, 1e-3);
        }
      }
    }
  }

  @Test
  void rejectsMismatchedShapes() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> z = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 3)));
      Operand<TFloat32> t = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 4)));
      Operand<TFloat32> flat = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(6)));
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> PointMaskLosses.maskLoss(tf, z, t));
      assertEquals("mask loss: point targets: expected shape [2, 3], found [2, 4]", e.getMessage());
      assertThrows(ShapeMismatchException.class, () -> PointMaskLosses.diceLoss(tf, flat, flat));
    }
  }

  /** A loss of (logits, targets) with its default mask count. */
  private interface Loss {
    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets);
  }

  /** A loss of (logits, targets, numMasks). */
  private interface CountedLoss {
    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets,
        Operand<TFloat32> numMasks);
  }

  /** The loss of fed logits (rows unknown to the graph) and constant targets. */
  private static float eval(Shape shape, float[] logits, float[] targets, Loss loss) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> z =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, shape.get(1))));
      Operand<TFloat32> value = loss.apply(tf, z, constant(tf, shape, targets));
      try (Session s = new Session(g);
          TFloat32 in = Tensors.floats(shape, logits);
          Result r = s.runner().feed(z, in).fetch(value).run()) {
        return Tensors.scalar(r, 0);
      }
    }
  }

  /** The Javadoc example's loss with an explicit mask count. */
  private static float evalWithCount(float numMasks, CountedLoss loss) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> value = loss.apply(tf, constant(tf, EXAMPLE, EXAMPLE_LOGITS),
          constant(tf, EXAMPLE, EXAMPLE_TARGETS), tf.constant(numMasks));
      try (Session s = new Session(g); Result r = s.runner().fetch(value).run()) {
        return Tensors.scalar(r, 0);
      }
    }
  }

  private static Operand<TFloat32> constant(Ops tf, Shape shape, float[] values) {
    return tf.reshape(tf.constant(values), tf.constant(shape.asArray()));
  }
}
