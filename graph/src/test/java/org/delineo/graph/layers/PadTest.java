package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.evaluate;
import static org.delineo.graph.layers.LayerTesting.gradientCheck;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class PadTest {
  /** Padding copies values: exact up to float32 representation. */
  private static final double VALUE_TOL = 1e-6;

  /** [1, 2, 3, 1] holding rows [1 2 3] and [4 5 6]. */
  private static final float[] X = {1, 2, 3, 4, 5, 6};

  @Test
  void reflectSymmetricByHand() {
    // Rows padded 1 each side: [r1, r0, r1, r0]; columns 2 each side: [c2 c1 c0 c1 c2 c1 c0].
    float[] expected = {
      6, 5, 4, 5, 6, 5, 4,
      3, 2, 1, 2, 3, 2, 1,
      6, 5, 4, 5, 6, 5, 4,
      3, 2, 1, 2, 3, 2, 1,
    };
    assertClose(expected, evaluate(Shape.of(1, 2, 3, 1), X, (tf, x) -> Pad.reflect(tf, x, new int[] {1, 2})),
        VALUE_TOL, "reflect 1 / 2");
  }

  @Test
  void reflectBeforeAfterByHand() {
    // Rows {0 before, 1 after}: [r0, r1, r0]; columns {2 before, 0 after}: [c2 c1 c0 c1 c2].
    float[] expected = {
      3, 2, 1, 2, 3,
      6, 5, 4, 5, 6,
      3, 2, 1, 2, 3,
    };
    assertClose(expected,
        evaluate(Shape.of(1, 2, 3, 1), X, (tf, x) -> Pad.reflect(tf, x, new int[][] {{0, 1}, {2, 0}})),
        VALUE_TOL, "reflect {0, 1} / {2, 0}");
  }

  @Test
  void reflectRank5ByHand() {
    // [1, 2, 2, 1, 1] with x(d, h) = 2d + h, pads {1, 1, 0}: depth [d1 d0 d1 d0], rows [h1 h0 h1 h0].
    float[] expected = {
      3, 2, 3, 2,
      1, 0, 1, 0,
      3, 2, 3, 2,
      1, 0, 1, 0,
    };
    assertClose(expected, evaluate(Shape.of(1, 2, 2, 1, 1), new float[] {0, 1, 2, 3},
        (tf, x) -> Pad.reflect(tf, x, new int[] {1, 1, 0})), VALUE_TOL, "reflect rank 5");
  }

  @Test
  void constantByHand() {
    float[] expected = {
      -1, -1, -1,
      1, 2, 3,
      4, 5, 6,
      -1, -1, -1,
    };
    assertClose(expected,
        evaluate(Shape.of(1, 2, 3, 1), X, (tf, x) -> Pad.constant(tf, x, new int[] {1, 0}, -1f)),
        VALUE_TOL, "constant -1");
    // Channels are never padded: [1, 1, 1, 2] -> [1, 1, 3, 2] with zeros around.
    assertClose(new float[] {0, 0, 7, 8, 0, 0},
        evaluate(Shape.of(1, 1, 1, 2), new float[] {7, 8}, (tf, x) -> Pad.constant(tf, x, new int[][] {{0, 0}, {1, 1}}, 0f)),
        VALUE_TOL, "constant 0, channels unpadded");
  }

  @Test
  void rejectsReflectAsLongAsTheAxisAndWrongCounts() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 2, 3, 1)));
      DelineoException e = assertThrows(DelineoException.class, () -> Pad.reflect(tf, x, new int[] {2, 1}));
      assertTrue(e.getMessage().contains("smaller than its length 2"), e.getMessage());
      assertThrows(DelineoException.class, () -> Pad.constant(tf, x, new int[] {1, 1, 1}, 0f));
      assertThrows(DelineoException.class, () -> Pad.constant(tf, x, new int[] {-1, 0}, 0f));
      Operand<TFloat32> rank3 = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 3, 1)));
      assertThrows(DelineoException.class, () -> Pad.reflect(tf, rank3, new int[] {1}));
    }
  }

  // ---- gradients (harness defaults: ε = 5e-3, scaled error ≤ 1e-2) ----

  @Test
  void reflectGradients() {
    gradientCheck(Shape.of(1, 3, 4, 2), uniform(24, 31, -1, 1),
        (tf, x) -> Pad.reflect(tf, x, new int[] {2, 1}));
    gradientCheck(Shape.of(1, 2, 3, 3, 1), uniform(18, 32, -1, 1),
        (tf, x) -> Pad.reflect(tf, x, new int[][] {{1, 0}, {0, 2}, {1, 1}}));
  }

  @Test
  void constantGradients() {
    gradientCheck(Shape.of(1, 3, 4, 2), uniform(24, 33, -1, 1),
        (tf, x) -> Pad.constant(tf, x, new int[] {1, 2}, 0.5f));
    gradientCheck(Shape.of(1, 2, 3, 3, 1), uniform(18, 34, -1, 1),
        (tf, x) -> Pad.constant(tf, x, new int[] {1, 1, 2}, 0f));
  }
}
