package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.constant;
import static org.delineo.graph.layers.LayerTesting.toFloats;
import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.PlainDeformableAttention;
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

/**
 * mmcv's {@code multi_scale_deformable_attn_pytorch} on two levels (4 × 5 and 2 × 3), 2 heads of
 * depth 3, 2 points, 2 images and 3 queries, against {@link PlainDeformableAttention#sample} (one
 * grid_sample per map and point, in loops), with static sizes and sizes known only when the step
 * runs; gradients to the values, the locations and the attention weights by finite differences.
 */
class MultiScaleDeformableSamplingTest {
  private static final int N = 2;
  private static final int HEADS = 2;
  private static final int D = 3;
  private static final int[][] SIZES = {{4, 5}, {2, 3}};
  private static final int S = 4 * 5 + 2 * 3;
  private static final int L = 2;
  private static final int Q = 3;
  private static final int P = 2;
  private static final Shape VALUE = Shape.of(N, S, HEADS, D);
  private static final Shape LOC = Shape.of(N, Q, HEADS, L, P, 2);
  private static final Shape ATTN = Shape.of(N, Q, HEADS, L, P);

  /**
   * Locations all over [−0.3, 1.3]², so many taps fall in the zero padding, with a few exact
   * borders (0 and 1) and pixel centres, and the corner (0, 0).
   */
  private static float[] locations() {
    float[] loc = LayerTesting.uniform(LOC.size(), 5, -0.3, 1.3);
    loc[0] = 0f;
    loc[1] = 0f;
    loc[2] = 1f;
    loc[3] = 0.5f;
    loc[4] = 0.5f / 5; // the centre of column 0 of level 0
    loc[5] = 1.5f / 4; // ... and of row 1
    loc[10] = 1f;
    loc[11] = 1f;
    return loc;
  }

  @Test
  void equalsPerQueryHeadLevelAndPointLoopsWithStaticSizes() {
    float[] value = LayerTesting.uniform(VALUE.size(), 1, -1, 1);
    float[] loc = locations();
    float[] attn = LayerTesting.uniform(ATTN.size(), 2, 0, 1);
    float[] got;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> v = tf.placeholder(TFloat32.class, Placeholder.shape(VALUE));
      Operand<TFloat32> l = tf.placeholder(TFloat32.class, Placeholder.shape(LOC));
      Operand<TFloat32> a = tf.placeholder(TFloat32.class, Placeholder.shape(ATTN));
      Operand<TFloat32> out = MultiScaleDeformableSampling.sample(tf, v, levels(tf), l, a);
      assertArrayEquals(new long[] {N, Q, HEADS * D}, out.shape().asArray(), "static output shape");
      got = FeedAndFetch.on(s).feed(v, VALUE, value).feed(l, LOC, loc).feed(a, ATTN, attn).fetch(out)[0];
    }
    double[] want = PlainDeformableAttention.sample(value, N, HEADS, D, SIZES, loc, Q, P, attn);
    assertClose(toFloats(want), got, 1e-5, "deformable sampling vs loops");
    // By hand, independent of the loops: query 0 of image 0, head 0, level 0, point 0 sits on the
    // corner (0, 0): u = v = −0.5, so only pixel (0, 0) is read, with weight ¼.
    float[] single = attn.clone();
    java.util.Arrays.fill(single, 0f);
    single[0] = 1f;
    float[] corner;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> out = MultiScaleDeformableSampling.sample(tf, constant(tf, VALUE, value), levels(tf),
          constant(tf, LOC, loc), constant(tf, ATTN, single));
      corner = FeedAndFetch.on(s).fetch(out)[0];
    }
    for (int d = 0; d < D; d++) {
      assertEquals(0.25f * value[d], corner[d], 1e-6f, "corner read of channel " + d);
      assertEquals(0f, corner[D + d], 0f, "head 1 has no weight");
    }
  }

  @Test
  void sizesKnownOnlyWhenTheStepRunsGiveTheSameSamples() {
    float[] value = LayerTesting.uniform(VALUE.size(), 3, -1, 1);
    float[] loc = locations();
    float[] attn = LayerTesting.uniform(ATTN.size(), 4, 0, 1);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> v = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, HEADS, D)));
      Operand<TFloat32> l = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, HEADS, L, P, 2)));
      Operand<TFloat32> a = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, HEADS, L, P)));
      Placeholder<TInt32> h0 = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt32> w0 = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt32> h1 = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt32> w1 = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      List<MapSize> free = List.of(new MapSize(-1, -1, h0, w0), new MapSize(-1, -1, h1, w1));
      Operand<TFloat32> out = MultiScaleDeformableSampling.sample(tf, v, free, l, a);
      assertArrayEquals(new long[] {-1, -1, HEADS * D}, out.shape().asArray(), "free output shape");
      try (TFloat32 vt = Tensors.floats(VALUE, value);
          TFloat32 lt = Tensors.floats(LOC, loc);
          TFloat32 at = Tensors.floats(ATTN, attn);
          TInt32 th0 = TInt32.scalarOf(4);
          TInt32 tw0 = TInt32.scalarOf(5);
          TInt32 th1 = TInt32.scalarOf(2);
          TInt32 tw1 = TInt32.scalarOf(3);
          Result r = s.runner().feed(v, vt).feed(l, lt).feed(a, at).feed(h0, th0).feed(w0, tw0).feed(h1, th1)
              .feed(w1, tw1).fetch(out).run()) {
        assertArrayEquals(new long[] {N, Q, HEADS * D}, r.get(0).shape().asArray(), "run-time output shape");
        assertClose(toFloats(PlainDeformableAttention.sample(value, N, HEADS, D, SIZES, loc, Q, P, attn)),
            Tensors.toFloats(r.get(0)), 1e-5, "free sizes vs loops");
      }
    }
  }

  @Test
  void gradientsToValuesLocationsAndWeightsMatchFiniteDifferences() {
    // Pixel coordinates u = x·W − 0.5 with fractional parts in [0.25, 0.75] (the ±ε steps, at most
    // 0.025 pixels, never cross a pixel-centre line), from one pixel outside to one inside each
    // border: taps in the zero padding, on the border's half pixel and inside.
    Random random = new Random(8);
    float[] loc = new float[(int) LOC.size()];
    for (int i = 0; i < loc.length; i += 2) {
      int level = (i / 2 / P) % L;
      loc[i] = awayFromCentres(random, SIZES[level][1]);
      loc[i + 1] = awayFromCentres(random, SIZES[level][0]);
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> v = tf.placeholder(TFloat32.class, Placeholder.shape(VALUE));
      Operand<TFloat32> l = tf.placeholder(TFloat32.class, Placeholder.shape(LOC));
      Operand<TFloat32> a = tf.placeholder(TFloat32.class, Placeholder.shape(ATTN));
      Operand<TFloat32> out = MultiScaleDeformableSampling.sample(tf, v, levels(tf), l, a);
      double err = GradientCheck.on(g, s)
          .feed(v, VALUE, LayerTesting.uniform(VALUE.size(), 6, -1, 1))
          .feed(l, LOC, loc)
          .feed(a, ATTN, LayerTesting.uniform(ATTN.size(), 7, 0, 1))
          .eps(1e-3)
          .check(out, List.of(v, l, a));
      assertEquals(0, err, 1e-2, "scaled error");
    }
  }

  @Test
  void rejectsLocationsThatDoNotFitTheLevels() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> v = tf.placeholder(TFloat32.class, Placeholder.shape(VALUE));
      Operand<TFloat32> threeLevels = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(N, Q, HEADS, 3, P, 2)));
      Operand<TFloat32> a = tf.placeholder(TFloat32.class, Placeholder.shape(ATTN));
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> MultiScaleDeformableSampling.sample(tf, v, levels(tf), threeLevels, a));
      assertEquals("deformable sampling locations: expected [N, Q, 2, 2, P, 2] (static P), found [2, 3, 2, 3, 2, 2]",
          e.getMessage());
    }
  }

  /** A normalised coordinate whose pixel coordinate lies in [−1, size] with fraction in [0.25, 0.75]. */
  private static float awayFromCentres(Random random, int size) {
    int cell = random.nextInt(size + 1) - 1;
    double u = cell + 0.25 + 0.5 * random.nextDouble();
    return (float) ((u + 0.5) / size);
  }

  private static List<MapSize> levels(Ops tf) {
    return List.of(MapSize.of(tf, SIZES[0][0], SIZES[0][1]), MapSize.of(tf, SIZES[1][0], SIZES[1][1]));
  }
}
