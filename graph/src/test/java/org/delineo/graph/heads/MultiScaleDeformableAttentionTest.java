package org.delineo.graph.heads;

import static org.delineo.graph.heads.DeformableTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.MapSize;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.PlainDeformableAttention;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * mmcv's {@code MultiScaleDeformableAttention}: the grid init of the sampling offsets by hand, and
 * one forward (value projection, offsets normalised by each level's (W, H), softmax over levels ×
 * points, sampling, output projection, residual) on random weights against
 * {@link PlainDeformableAttention#attention}, with 8 channels, 2 heads, levels 4 × 5 and 2 × 3 and
 * 2 points; gradients to the query and a weight by finite differences.
 */
class MultiScaleDeformableAttentionTest {
  private static final int N = 2;
  private static final int Q = 4;
  private static final int C = 8;
  private static final int HEADS = 2;
  private static final int[][] SIZES = {{4, 5}, {2, 3}};
  private static final int L = 2;
  private static final int P = 2;
  private static final int S = 26;

  @Test
  void samplingOffsetBiasIsMmcvsGridInit() {
    // Head h looks along 2πh/heads, scaled so the larger coordinate is 1; point p at (p + 1) times it.
    float[] four = MultiScaleDeformableAttention.gridInit(4, 1, 2);
    assertArrayEquals(new float[] {1, 0, 2, 0, 0, 1, 0, 2, -1, 0, -2, 0, 0, -1, 0, -2}, four, 1e-6f, "4 heads");
    float[] eight = MultiScaleDeformableAttention.gridInit(8, 2, 1);
    // Head 1 (45°): (1, 1); head 3 (135°): (−1, 1); the same for both levels.
    assertArrayEquals(new float[] {1, 1, 1, 1}, slice(eight, 4, 8), 1e-6f, "8 heads, head 1, both levels");
    assertArrayEquals(new float[] {-1, 1, -1, 1}, slice(eight, 12, 16), 1e-6f, "8 heads, head 3, both levels");
  }

  @Test
  void variablesAreMmcvsWithInitialValues() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      MultiScaleDeformableAttention attn = new MultiScaleDeformableAttention("attn", C, HEADS, L, P);
      Operand<TFloat32> out = attn.apply(ctx, placeholder(ctx, N, Q, C), null, placeholder(ctx, N, S, C),
          placeholder(ctx, N, Q, L, 2), sizes(ctx));
      assertArrayEquals(new long[] {N, Q, C}, out.shape().asArray());
      Map<String, String> built = new TreeMap<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        built.put(v.name(), v.shape().toString());
      }
      Map<String, String> expected = new TreeMap<>();
      torchShapes().forEach((k, t) -> expected.put("attn." + k,
          (t.length == 2 ? Shape.of(t[1], t[0]) : Shape.of(t)).toString()));
      assertEquals(expected, built);
      s.initialize();
      float[][] init = DeformableTesting.run(s, Map.of(), Map.of(), List.of(
          read(ctx, "attn.sampling_offsets.bias"), read(ctx, "attn.sampling_offsets.weight"),
          read(ctx, "attn.attention_weights.weight")));
      // Two heads: 0° and 180°, points at 1 and 2 pixels, on both levels.
      assertArrayEquals(new float[] {1, 0, 2, 0, 1, 0, 2, 0, -1, 0, -2, 0, -1, 0, -2, 0}, init[0], 1e-6f);
      assertArrayEquals(new float[C * 16], init[1], 0f, "offset weights 0");
      assertArrayEquals(new float[C * 8], init[2], 0f, "attention weights 0");
    }
  }

  @Test
  void forwardEqualsPlainLoopsWithOffsetNormalisationAndSoftmaxOverLevelsAndPoints() {
    Map<String, long[]> shapes = torchShapes();
    Map<String, float[]> weights = DeformableTesting.randomWeights(shapes, 11);
    float[] query = DeformableTesting.gaussian(N * Q * C, 1);
    float[] pos = DeformableTesting.gaussian(N * Q * C, 2);
    float[] value = DeformableTesting.gaussian(N * S * C, 3);
    float[] reference = DeformableTesting.uniform(N * Q * L * 2, 4);
    Map<String, float[]> prefixed = new LinkedHashMap<>();
    weights.forEach((k, v) -> prefixed.put("attn." + k, v));
    double[] want = new PlainDeformableAttention(prefixed).attention("attn.", DeformableTesting.toDoubles(query),
        DeformableTesting.toDoubles(pos), DeformableTesting.toDoubles(value), DeformableTesting.toDoubles(reference),
        N, Q, C, HEADS, SIZES, P);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> q = placeholder(ctx, N, Q, C);
      Operand<TFloat32> qp = placeholder(ctx, N, Q, C);
      Operand<TFloat32> v = placeholder(ctx, N, S, C);
      Operand<TFloat32> ref = placeholder(ctx, N, Q, L, 2);
      Operand<TFloat32> out = new MultiScaleDeformableAttention("attn", C, HEADS, L, P)
          .apply(ctx, q, qp, v, ref, sizes(ctx));
      s.initialize();
      DeformableTesting.assign(ctx, s, "attn.", weights, shapes);
      float[] got = DeformableTesting.run(s, Map.of(q, query, qp, pos, v, value, ref, reference),
          Map.of(q, Shape.of(N, Q, C), qp, Shape.of(N, Q, C), v, Shape.of(N, S, C), ref, Shape.of(N, Q, L, 2)),
          List.of(out))[0];
      assertClose(want, got, 2e-5, "deformable attention vs loops");
      // The check is not vacuous: the samples (output minus the query) are of order one.
      double spread = 0;
      for (int i = 0; i < got.length; i++) {
        spread = Math.max(spread, Math.abs(got[i] - query[i]));
      }
      assertTrue(spread > 0.1, "attention output magnitude " + spread);

      double err = GradientCheck.on(g, s)
          .feed(q, Shape.of(N, Q, C), query).feed(qp, Shape.of(N, Q, C), pos)
          .feed(v, Shape.of(N, S, C), value).feed(ref, Shape.of(N, Q, L, 2), reference)
          .eps(1e-3)
          .check(out, List.of(q, v, read(ctx, "attn.sampling_offsets.weight")));
      assertEquals(0, err, 2e-2, "scaled gradient error");
    }
  }

  @Test
  void rejectsAWrongLevelCount() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      MultiScaleDeformableAttention attn = new MultiScaleDeformableAttention("attn", C, HEADS, 3, P);
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> attn.apply(ctx,
          placeholder(ctx, N, Q, C), null, placeholder(ctx, N, S, C), placeholder(ctx, N, Q, 3, 2), sizes(ctx)));
      assertEquals("attn: built for 3 levels, given 2", e.getMessage());
    }
  }

  /** mmcv's parameter names and PyTorch shapes for C = 8, 2 heads, 2 levels, 2 points. */
  static Map<String, long[]> torchShapes() {
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put("sampling_offsets.weight", new long[] {HEADS * L * P * 2, C});
    m.put("sampling_offsets.bias", new long[] {HEADS * L * P * 2});
    m.put("attention_weights.weight", new long[] {HEADS * L * P, C});
    m.put("attention_weights.bias", new long[] {HEADS * L * P});
    m.put("value_proj.weight", new long[] {C, C});
    m.put("value_proj.bias", new long[] {C});
    m.put("output_proj.weight", new long[] {C, C});
    m.put("output_proj.bias", new long[] {C});
    return m;
  }

  private static List<MapSize> sizes(GraphContext ctx) {
    return List.of(MapSize.of(ctx.tf(), 4, 5), MapSize.of(ctx.tf(), 2, 3));
  }

  private static Operand<TFloat32> placeholder(GraphContext ctx, long... dims) {
    return ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> read(GraphContext ctx, String name) {
    return (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
  }

  private static float[] slice(float[] v, int from, int to) {
    return java.util.Arrays.copyOfRange(v, from, to);
  }
}
