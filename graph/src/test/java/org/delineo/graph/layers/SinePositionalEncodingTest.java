package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The position code against mmdet's formula evaluated by hand on a 2 × 3 map: rows i = 1, 2 give
 * y_i = i / (2 + 1e-6)·2π, columns j = 1..3 give x_j = j / (3 + 1e-6)·2π; channels are the y part
 * then the x part, each (sin, cos) pairs of the same frequency.
 */
class SinePositionalEncodingTest {
  private static final double TOL = 2e-6;
  private static final double TWO_PI = 2 * Math.PI;

  private static double y(int i) {
    return i / (2 + 1e-6) * TWO_PI;
  }

  private static double x(int j) {
    return j / (3 + 1e-6) * TWO_PI;
  }

  @Test
  void fourFeatsPerAxisOnTwoByThreeMapWithUnknownSizes() {
    // num_feats 4: d = 10000^(2·⌊k/2⌋/4) = 1, 1, 100, 100.
    float[] expected = new float[2 * 2 * 3 * 8];
    int o = 0;
    for (int n = 0; n < 2; n++) {
      for (int i = 1; i <= 2; i++) {
        for (int j = 1; j <= 3; j++) {
          double[] pixel = {
            Math.sin(y(i)), Math.cos(y(i)), Math.sin(y(i) / 100), Math.cos(y(i) / 100),
            Math.sin(x(j)), Math.cos(x(j)), Math.sin(x(j) / 100), Math.cos(x(j) / 100)
          };
          for (double v : pixel) {
            expected[o++] = (float) v;
          }
        }
      }
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> in = placeholder(ctx, -1, -1, -1, 5);
      Operand<TFloat32> pos = new SinePositionalEncoding(4).apply(ctx, in);
      assertEquals(8, pos.shape().get(3), "2·num_feats channels, known while building");
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(2, 2, 3, 5), new float[2 * 2 * 3 * 5]).fetch(pos)[0];
      assertClose(expected, out, TOL, "sine position code, num_feats 4");
    }
  }

  @Test
  void twoFeatsPerAxisKeepsStaticShape() {
    float[] expected = new float[2 * 3 * 4];
    int o = 0;
    for (int i = 1; i <= 2; i++) {
      for (int j = 1; j <= 3; j++) {
        double[] pixel = {Math.sin(y(i)), Math.cos(y(i)), Math.sin(x(j)), Math.cos(x(j))};
        for (double v : pixel) {
          expected[o++] = (float) v;
        }
      }
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> in = placeholder(ctx, 1, 2, 3, 1);
      Operand<TFloat32> pos = new SinePositionalEncoding(2).apply(ctx, in);
      assertEquals(Shape.of(1, 2, 3, 4), pos.shape());
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(1, 2, 3, 1), new float[6]).fetch(pos)[0];
      assertClose(expected, out, TOL, "sine position code, num_feats 2");
    }
  }

  @Test
  void unnormalisedPositionsWithAnotherTemperature() {
    // normalize=False: y = i, x = j; temperature 16, num_feats 4: d = 1, 1, 4, 4.
    float[] expected = new float[2 * 3 * 8];
    int o = 0;
    for (int i = 1; i <= 2; i++) {
      for (int j = 1; j <= 3; j++) {
        double[] pixel = {
          Math.sin(i), Math.cos(i), Math.sin(i / 4.0), Math.cos(i / 4.0),
          Math.sin(j), Math.cos(j), Math.sin(j / 4.0), Math.cos(j / 4.0)
        };
        for (double v : pixel) {
          expected[o++] = (float) v;
        }
      }
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> in = placeholder(ctx, 1, 2, 3, 1);
      Operand<TFloat32> pos =
          new SinePositionalEncoding(4, 16f, false, 1f, 1e-6f, 0f).apply(ctx, in);
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(1, 2, 3, 1), new float[6]).fetch(pos)[0];
      assertClose(expected, out, TOL, "unnormalised sine position code");
    }
  }

  @Test
  void oddFeatureCountIsRejected() {
    DelineoException e = assertThrows(DelineoException.class, () -> new SinePositionalEncoding(3));
    assertEquals(
        "SinePositionalEncoding: numFeats must be a positive even number, found 3", e.getMessage());
  }
}
