package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.constant;
import static org.delineo.graph.layers.LayerTesting.toFloats;
import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.testing.ReferenceGridSample;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class PointSampleTest {
  private static final int H = 3;
  private static final int W = 4;
  private static final int C = 2;
  private static final Shape MAP = Shape.of(1, H, W, C);

  /** Distinct values: channel 0 is 1 + row·W + column, channel 1 its negative times ten. */
  private static float[] tinyMap() {
    float[] v = new float[H * W * C];
    for (int i = 0; i < H * W; i++) {
      v[i * C] = 1 + i;
      v[i * C + 1] = -10f * (1 + i);
    }
    return v;
  }

  /**
   * Points (x, y): interior, the four corners and edges of the border (0 and 1), a pixel centre,
   * points between the border and the first pixel centre (half of their taps zero-padded), and
   * points slightly and far outside [0, 1].
   */
  private static final float[] POINTS = {
      0.4f, 0.6f, // interior
      0f, 0f, 1f, 1f, 0f, 1f, 1f, 0f, // the four corners
      0.5f, 0f, 0f, 0.5f, // on the top and left border
      0.125f, 1f / 6f, // the centre of pixel (row 0, column 0)
      0.05f, 0.5f, 0.5f, 0.9f, // between the border and the first pixel centre
      1.05f, -0.02f, -0.1f, 0.5f, // slightly outside
      1.2f, 0.5f, // more than half a pixel outside: reads only padding
  };

  @Test
  void workedExampleOfTheJavadoc() {
    float[] out = LayerTesting.evaluate(Shape.of(1, 2, 2, 1), new float[] {1, 2, 3, 4},
        (tf, map) -> PointSample.sample(tf, map,
            tf.constant(new float[][][] {{{0.25f, 0.5f}, {0f, 0f}, {1f, 0.5f}}})));
    // By hand: column 0 halfway between rows (1 + 3) / 2; the corner reads ¼ of pixel (0, 0); the
    // right border reads half of column 1 halfway between rows: ½·(2 + 4) / 2.
    assertClose(new float[] {2f, 0.25f, 1.5f}, out, 1e-6, "worked example");
  }

  @Test
  void matchesGridSampleWithZeroPaddingAndAlignCornersFalse() {
    int p = POINTS.length / 2;
    float[] map = tinyMap();
    float[] out = LayerTesting.evaluate(MAP, map,
        (tf, m) -> PointSample.sample(tf, m, constant(tf, Shape.of(1, p, 2), POINTS)));
    double[] expected = ReferenceGridSample.sample(map, 1, H, W, C, POINTS, p);
    assertClose(toFloats(expected), out, 1e-5, "point_sample vs grid_sample");
    // Spot checks by hand, independent of the reference: the corner (0, 0) reads ¼ of pixel (0, 0)
    // = 0.25·1; the centre of pixel (0, 0) reads it exactly; (0.05, 0.5) lies at u = −0.3, v = 1:
    // 0.7 of pixel (1, 0) = 0.7·5; the far point reads 0.
    assertEquals(0.25f, out[1 * C], 1e-6f, "corner (0, 0)");
    assertEquals(1f, out[7 * C], 1e-6f, "centre of pixel (0, 0)");
    assertEquals(3.5f, out[8 * C], 1e-5f, "between the left border and the first centre");
    assertEquals(0f, out[12 * C], 0f, "beyond half a pixel outside");
    assertEquals(0f, out[12 * C + 1], 0f, "beyond half a pixel outside");
  }

  @Test
  void samplesEachMapWithItsOwnOrSharedPointsAndAnUnknownBatch() {
    float[] one = tinyMap();
    float[] maps = new float[2 * one.length];
    for (int i = 0; i < one.length; i++) {
      maps[i] = one[i];
      maps[one.length + i] = 100f - one[i];
    }
    float[] own = {0.3f, 0.7f, 0.9f, 0.1f, 0.6f, 0.45f, 0.02f, 0.98f};
    float[] shared = {0.15f, 0.35f, 0.8f, 0.55f};
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> m = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, H, W, C)));
      Operand<TFloat32> byMap = PointSample.sample(tf, m, constant(tf, Shape.of(2, 2, 2), own));
      Operand<TFloat32> byAll = PointSample.sample(tf, m, constant(tf, Shape.of(1, 2, 2), shared));
      assertEquals(3, byMap.shape().numDimensions(), "output rank");
      assertEquals(C, byMap.shape().get(2), "static channels");
      try (Session s = new Session(g)) {
        float[][] out = FeedAndFetch.on(s).feed(m, Shape.of(2, H, W, C), maps).fetch(byMap, byAll);
        assertClose(toFloats(ReferenceGridSample.sample(maps, 2, H, W, C, own, 2)), out[0], 1e-4,
            "per-map points");
        float[] sharedTwice = new float[8];
        System.arraycopy(shared, 0, sharedTwice, 0, 4);
        System.arraycopy(shared, 0, sharedTwice, 4, 4);
        assertClose(toFloats(ReferenceGridSample.sample(maps, 2, H, W, C, sharedTwice, 2)), out[1],
            1e-4, "points shared by every map");
      }
    }
  }

  @Test
  void mapsOfSizesKnownOnlyWhenTheStepRunsSampleTheSame() {
    // Two maps of 3 × 4 behind a placeholder with free N, H and W (a training or serving graph).
    float[] one = tinyMap();
    float[] maps = new float[2 * one.length];
    for (int i = 0; i < one.length; i++) {
      maps[i] = one[i];
      maps[one.length + i] = 7f - 2f * one[i];
    }
    int p = POINTS.length / 2;
    float[] both = new float[2 * POINTS.length];
    System.arraycopy(POINTS, 0, both, 0, POINTS.length);
    System.arraycopy(POINTS, 0, both, POINTS.length, POINTS.length);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> m = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, C)));
      Operand<TFloat32> out = PointSample.sample(tf, m, constant(tf, Shape.of(2, p, 2), both));
      try (Session s = new Session(g)) {
        float[] got = FeedAndFetch.on(s).feed(m, Shape.of(2, H, W, C), maps).fetch(out)[0];
        assertClose(toFloats(ReferenceGridSample.sample(maps, 2, H, W, C, both, p)), got, 1e-4,
            "free sizes vs grid_sample");
      }
    }
  }

  @Test
  void gradientWithRespectToPointsOnTheBorderAndOutsideMatchesFiniteDifferences() {
    // On the border (x or y exactly 0 or 1: u = −0.5 or W − 0.5, half-way between a pixel centre
    // and the padding, so no kink is near), in the half pixel of padding, and far outside, where
    // every tap reads padding and the gradient is exactly 0.
    float[] points = {
        0f, 0.45f, 1f, 0.3f, 0.6f, 0f, 0.35f, 1f, // the four borders
        0f, 1f, // a corner
        -0.08f, 0.55f, 0.4f, 1.1f, // in the zero-padded half pixel
        -0.9f, 0.5f, 0.3f, 2.5f, 5f, -4f, // far outside
    };
    float[] map = tinyMap();
    double err = LayerTesting.gradientCheck(Shape.of(1, 10, 2), points,
        (tf, pts) -> PointSample.sample(tf, constant(tf, MAP, map), pts));
    assertEquals(0, err, 1e-2, "scaled error");
  }

  @Test
  void gradientWithRespectToTheMapMatchesFiniteDifferences() {
    int p = POINTS.length / 2;
    double err = LayerTesting.gradientCheck(MAP, tinyMap(),
        (tf, m) -> PointSample.sample(tf, m, constant(tf, Shape.of(1, p, 2), POINTS)));
    assertEquals(0, err, 1e-3, "scaled error");
  }

  @Test
  void gradientWithRespectToThePointsMatchesFiniteDifferencesAwayFromPixelCentreLines() {
    // Pixel coordinates u = xW − 0.5, v = yH − 0.5 with fractional parts in [0.2, 0.8], so the
    // ±0.02-pixel finite-difference steps never cross a kink; two of the points lie in the
    // zero-padded half pixel outside the first and last centres.
    float[] points = {
        (0.3f + 0.5f) / W, (0.4f + 0.5f) / H,
        (1.6f + 0.5f) / W, (1.7f + 0.5f) / H,
        (2.45f + 0.5f) / W, (-0.35f + 0.5f) / H,
        (-0.7f + 0.5f) / W, (1.25f + 0.5f) / H,
        (3.25f + 0.5f) / W, (2.3f + 0.5f) / H,
    };
    float[] map = tinyMap();
    double err = LayerTesting.gradientCheck(Shape.of(1, 5, 2), points,
        (tf, pts) -> PointSample.sample(tf, constant(tf, MAP, map), pts));
    assertEquals(0, err, 1e-2, "scaled error");
  }

  @Test
  void rejectsInputsOfTheWrongShape() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> map = tf.placeholder(TFloat32.class, Placeholder.shape(MAP));
      Operand<TFloat32> points = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 5, 2)));
      Operand<TFloat32> threeAxes = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 5, 3)));
      Operand<TFloat32> unknownChannels =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, H, W, -1)));
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> PointSample.sample(tf, map, threeAxes));
      assertEquals("point_sample points need (x, y) on the last axis (shape [N, P, 2]), found [1, 5, 3]",
          e.getMessage());
      assertThrows(ShapeMismatchException.class, () -> PointSample.sample(tf, unknownChannels, points));
      assertThrows(ShapeMismatchException.class, () -> PointSample.sample(tf, points, points));
    }
  }
}
