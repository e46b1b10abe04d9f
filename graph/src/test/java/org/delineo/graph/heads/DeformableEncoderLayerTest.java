package org.delineo.graph.heads;

import static org.delineo.graph.heads.DeformableTesting.assertClose;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.layers.MapSize;
import org.delineo.graph.testing.PlainDeformableAttention;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * mmdet's {@code DeformableDetrTransformerEncoderLayer}: self-attention over the tokens of two levels
 * (4 × 5 and 2 × 3, 8 channels, 2 heads, 2 points) with the reference points at the pixel centres,
 * then norms.0, the ReLU FFN (hidden 16) with its residual, then norms.1, equal to
 * {@link PlainDeformableAttention#encoderLayer} on random weights; fails if the norms moved before
 * the sublayers (pre-norm) or a residual were dropped.
 */
class DeformableEncoderLayerTest {
  private static final int N = 2;
  private static final int C = 8;
  private static final int HEADS = 2;
  private static final int P = 2;
  private static final int HIDDEN = 16;
  private static final int[][] SIZES = {{4, 5}, {2, 3}};
  private static final int S = 26;

  @Test
  void postNormLayerEqualsPlainLoops() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    MultiScaleDeformableAttentionTest.torchShapes().forEach((k, v) -> shapes.put("self_attn." + k, v));
    shapes.put("norms.0.weight", new long[] {C});
    shapes.put("norms.0.bias", new long[] {C});
    shapes.put("ffn.layers.0.0.weight", new long[] {HIDDEN, C});
    shapes.put("ffn.layers.0.0.bias", new long[] {HIDDEN});
    shapes.put("ffn.layers.1.weight", new long[] {C, HIDDEN});
    shapes.put("ffn.layers.1.bias", new long[] {C});
    shapes.put("norms.1.weight", new long[] {C});
    shapes.put("norms.1.bias", new long[] {C});
    Map<String, float[]> weights = DeformableTesting.randomWeights(shapes, 21);
    float[] tokens = DeformableTesting.gaussian(N * S * C, 5);
    float[] pos = DeformableTesting.gaussian(N * S * C, 6);
    // The pixel centres, the same on both levels (mmdet's repeat), for both images.
    double[] reference = new double[N * S * 2 * 2];
    for (int n = 0; n < N; n++) {
      int t = 0;
      for (int[] hw : SIZES) {
        for (int i = 0; i < hw[0]; i++) {
          for (int j = 0; j < hw[1]; j++, t++) {
            for (int l = 0; l < 2; l++) {
              reference[((n * S + t) * 2 + l) * 2] = (j + 0.5) / hw[1];
              reference[((n * S + t) * 2 + l) * 2 + 1] = (i + 0.5) / hw[0];
            }
          }
        }
      }
    }
    Map<String, float[]> prefixed = new LinkedHashMap<>();
    weights.forEach((k, v) -> prefixed.put("layer." + k, v));
    double[] want = new PlainDeformableAttention(prefixed).encoderLayer("layer.", DeformableTesting.toDoubles(tokens),
        DeformableTesting.toDoubles(pos), reference, N, S, C, HEADS, SIZES, P, HIDDEN);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> x = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(N, S, C)));
      Operand<TFloat32> p = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(N, S, C)));
      List<MapSize> sizes = List.of(MapSize.of(ctx.tf(), 4, 5), MapSize.of(ctx.tf(), 2, 3));
      Operand<TFloat32> out = new DeformableEncoderLayer("layer", C, HEADS, 2, P, HIDDEN)
          .apply(ctx, x, p, EncoderReferencePoints.of(ctx.tf(), sizes), sizes);
      s.initialize();
      DeformableTesting.assign(ctx, s, "layer.", weights, shapes);
      float[] got = DeformableTesting.run(s, Map.of(x, tokens, p, pos),
          Map.of(x, Shape.of(N, S, C), p, Shape.of(N, S, C)), List.of(out))[0];
      assertClose(want, got, 5e-5, "encoder layer vs loops");
    }
  }
}
