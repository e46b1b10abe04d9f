package org.delineo.losses.semsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.testing.GradientCheck;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.junit.jupiter.api.Test;

class ConfidenceMaskedDiceTest {
  private static final Shape SHAPE = Shape.of(1, 1, 3, 2);
  // student p per pixel; the weak view is confident on pixels 0 and 1 only (0.9 < τ = 0.95).
  private static final float[] STUDENT = {0.8f, 0.2f, 0.3f, 0.7f, 0.5f, 0.5f};
  private static final float[] WEAK = {0.97f, 0.03f, 0.04f, 0.96f, 0.9f, 0.1f};
  private static final double S = 1e-5;

  private static float dice(boolean soft, float[] mask) {
    return GraphRun.eval(tf -> List.of(new ConfidenceMaskedDice(0.95f, soft).apply(tf,
        GraphRun.floats(tf, SHAPE, STUDENT), GraphRun.floats(tf, SHAPE, WEAK),
        mask == null ? null : GraphRun.floats(tf, Shape.of(1, 1, 3), mask)))).get(0)[0];
  }

  @Test
  void hardTargetsIgnoreTheLowConfidencePixel() {
    // Kept pixels 0 (y = class 0) and 1 (y = class 1), by hand:
    // class 0: 2·0.8 / (0.8² + 0.3² + 1);  class 1: 2·0.7 / (0.2² + 0.7² + 1)
    double d0 = (1.6 + S) / (0.64 + 0.09 + 1 + S);
    double d1 = (1.4 + S) / (0.04 + 0.49 + 1 + S);
    assertEquals(1 - (d0 + d1) / 2, dice(false, null), 1e-6, "tolerance 1e-6");
  }

  @Test
  void softTargetsUseTheWeakProbabilities() {
    double i0 = 0.8 * 0.97 + 0.3 * 0.04;
    double i1 = 0.2 * 0.03 + 0.7 * 0.96;
    double d0 = (2 * i0 + S) / (0.64 + 0.09 + 0.97 * 0.97 + 0.04 * 0.04 + S);
    double d1 = (2 * i1 + S) / (0.04 + 0.49 + 0.03 * 0.03 + 0.96 * 0.96 + S);
    assertEquals(1 - (d0 + d1) / 2, dice(true, null), 1e-6, "tolerance 1e-6");
  }

  @Test
  void validMaskRemovesPixelsAndAllMaskedGivesZero() {
    // Only pixel 0 (class 0) left: class 0 → 1.6 / (0.64 + 1); class 1 → (0 + s) / (0.04 + s).
    double d0 = (1.6 + S) / (0.64 + 1 + S);
    double d1 = S / (0.04 + S);
    assertEquals(1 - (d0 + d1) / 2, dice(false, new float[] {1, 0, 1}), 1e-6, "tolerance 1e-6");
    assertEquals(0f, dice(false, new float[] {0, 0, 1}), 1e-6, "every kept pixel masked: s/s = 1");
  }

  @Test
  void gradientReachesTheStudentOnly() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> student = tf.placeholder(TFloat32.class, Placeholder.shape(SHAPE));
      Operand<TFloat32> weak = tf.placeholder(TFloat32.class, Placeholder.shape(SHAPE));
      Operand<TFloat32> loss = new ConfidenceMaskedDice(0.95f, false).apply(tf, student, weak, null);
      Output<?>[] grads = g.addGradients(loss.asOutput(), new Output<?>[] {weak.asOutput()});
      assertTrue(grads[0] == null || grads[0].isClosed(), "the weak view is stopped");
      try (Session s = new Session(g)) {
        GradientCheck.on(g, s).feed(student, SHAPE, STUDENT).feed(weak, SHAPE, WEAK)
            .tolerance(1e-2).check(loss, List.of(student));
      }
    }
  }

  @Test
  void rejectsTauOutsideUnitInterval() {
    assertThrows(DelineoException.class, () -> new ConfidenceMaskedDice(1.5f, false));
  }
}
