package org.delineo.graph.backbones;

import static org.delineo.graph.backbones.MixTransformerTest.assertClose;
import static org.delineo.graph.backbones.MixTransformerTest.randoms;
import static org.delineo.graph.backbones.MixTransformerTest.toMap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.LayerNorm;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.MmsegSegFormerKeys;
import org.delineo.graph.testing.PlainSegFormer;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;
import org.delineo.graph.testing.TorchWeights;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The two new layers of the Mix Transformer on tiny maps: efficient self-attention with spatial
 * reduction 2 (norm1, sr conv + LN, two-head attention, out_proj, residual) and the Mix-FFN
 * (1 × 1, depthwise 3 × 3, GELU, 1 × 1, residual) equal the plain-Java forward of
 * {@link PlainSegFormer} with the same PyTorch-layout weights, and their gradients w.r.t. the input
 * and every weight match central finite differences.
 */
class MitLayersTest {
  private static final int DIM = 8;
  private static final String BLOCK = "layers.0.1.0.";
  /** One stage of width 8, one block, two heads, sr 2, mlp ratio 2: the block's keys come from mit.py's tree. */
  private static final Map<String, long[]> SHAPES = blockShapes();
  /** Module path of the layers under test; the state-dict keys above are relative to it. */
  private static final String NAME = "b";

  private static Map<String, long[]> blockShapes() {
    MmsegSegFormerKeys.Mit one = new MmsegSegFormerKeys.Mit(3, new int[] {DIM}, new int[] {1}, new int[] {2},
        new int[] {2}, new int[] {7}, 2);
    Map<String, long[]> out = new LinkedHashMap<>();
    MmsegSegFormerKeys.backbone(one).forEach((k, v) -> {
      if (k.startsWith(BLOCK)) {
        out.put(k.substring(BLOCK.length()), v);
      }
    });
    return out;
  }

  /** 1 × 6 × 7 × 8 input; keys and values come from the 3 × 3 reduced map. */
  @Test
  void attentionWithSpatialReductionEqualsPlainJava() {
    int h = 6;
    int w = 7;
    float[] x = randoms(h * w * DIM, 31);
    Map<String, float[]> torch = TorchWeights.random(SHAPES, 32);
    PlainSegFormer plain = new PlainSegFormer(prefixed(torch));
    FeatureMap in = toMap(h, w, DIM, x);
    FeatureMap want = plain.efficientAttention(plain.layerNorm(in, NAME + ".norm1", 1e-6), in, NAME + ".attn", 2, 2,
        1e-6);
    float[] got = run(h, w, x, torch, (ctx, input) -> attention().apply(ctx, norm1().apply(ctx, input), input));
    assertClose(want.v(), got, "norm1 + efficient attention + residual");
  }

  /** 1 × 5 × 6 × 8 input, hidden width 16; the depthwise conv pads the border with zeros. */
  @Test
  void mixFfnEqualsPlainJava() {
    int h = 5;
    int w = 6;
    float[] x = randoms(h * w * DIM, 33);
    float[] id = randoms(h * w * DIM, 34);
    Map<String, float[]> torch = TorchWeights.random(SHAPES, 35);
    FeatureMap want = new PlainSegFormer(prefixed(torch)).mixFfn(toMap(h, w, DIM, x), toMap(h, w, DIM, id),
        NAME + ".ffn");
    float[] got = run(h, w, x, torch, (ctx, input) -> ffn().apply(ctx, input, ctx.tf().constant(reshape(id, h, w))));
    assertClose(want.v(), got, "Mix-FFN + residual");
  }

  @Test
  void aMapSmallerThanTheReductionIsRefusedNamingTheModule() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> small = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 1, 5, DIM)));
      ShapeMismatchException e =
          assertThrows(ShapeMismatchException.class, () -> attention().apply(ctx, small, small));
      assertTrue(e.getMessage().startsWith(NAME + ".attn:")
          && e.getMessage().contains("1 x 5") && e.getMessage().contains("2 x 2"), e.getMessage());
    }
  }

  @Test
  void aMapOfRunTimeSizeSmallerThanTheReductionFailsNamingTheModule() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> open = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, DIM)));
      Operand<TFloat32> y = attention().apply(ctx, open, open);
      s.initialize();
      try (TFloat32 fits = Tensors.floats(Shape.of(1, 2, 3, DIM), randoms(2 * 3 * DIM, 1));
          Result r = s.runner().feed(open, fits).fetch(y).run()) {
        assertEquals(2 * 3 * DIM, r.get(0).shape().size(), "a 2 x 3 map reduces to 1 x 1 keys");
      }
      try (TFloat32 small = Tensors.floats(Shape.of(1, 1, 3, DIM), randoms(3 * DIM, 2))) {
        Exception e = assertThrows(Exception.class, () -> s.runner().feed(open, small).fetch(y).run().close());
        assertTrue(e.getMessage().contains(NAME + ".attn: keys and values are reduced by a 2 x 2 conv"),
            e.getMessage());
      }
    }
  }

  @Test
  void attentionGradientsMatchFiniteDifferences() {
    checkGradients((ctx, input) -> attention().apply(ctx, norm1().apply(ctx, input), input),
        List.of("norm1.weight", "attn.attn.in_proj_weight", "attn.attn.in_proj_bias", "attn.sr.weight",
            "attn.norm.weight", "attn.attn.out_proj.weight"));
  }

  @Test
  void mixFfnGradientsMatchFiniteDifferences() {
    checkGradients((ctx, input) -> ffn().apply(ctx, input, input),
        List.of("ffn.layers.0.weight", "ffn.layers.1.weight", "ffn.layers.1.bias", "ffn.layers.4.weight"));
  }

  // ---- helpers ----

  private static LayerNorm norm1() {
    return new LayerNorm(NAME + ".norm1", 1e-6f);
  }

  private static EfficientSelfAttention attention() {
    return new EfficientSelfAttention(NAME + ".attn", DIM, 2, 2, 1e-6f, 0f);
  }

  private static MixFfn ffn() {
    return new MixFfn(NAME + ".ffn", DIM, 2 * DIM, 0f);
  }

  private interface Built {
    Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input);
  }

  private static float[][][][] reshape(float[] v, int h, int w) {
    float[][][][] out = new float[1][h][w][DIM];
    for (int i = 0; i < v.length; i++) {
      out[0][i / (w * DIM)][(i / DIM) % w][i % DIM] = v[i];
    }
    return out;
  }

  private static Map<String, float[]> prefixed(Map<String, float[]> torch) {
    Map<String, float[]> out = new LinkedHashMap<>();
    torch.forEach((k, v) -> out.put(NAME + "." + k, v));
    return out;
  }

  /** Builds {@code f} on a 1 × h × w × 8 placeholder (EVAL), assigns the weights present, runs on {@code x}. */
  private static float[] run(int h, int w, float[] x, Map<String, float[]> torch, Built f) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 5);
      Operand<TFloat32> in = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, h, w, DIM)));
      Operand<TFloat32> y = f.apply(ctx, in);
      s.initialize();
      Map<String, float[]> present = new LinkedHashMap<>();
      torch.forEach((k, v) -> {
        if (ctx.variables().find(NAME + "." + k).isPresent()) {
          present.put(k, v);
        }
      });
      TorchWeights.assign(ctx, s, NAME + ".", present, SHAPES);
      try (TFloat32 t = Tensors.floats(Shape.of(1, h, w, DIM), x);
          Result r = s.runner().feed(in, t).fetch(y).run()) {
        return Tensors.toFloats(r.get(0));
      }
    }
  }

  /**
   * Central differences on a 1 × 4 × 4 × 8 input (TRAIN mode; drop-path rate 0) w.r.t. the input
   * and the named variables, at the harness's ε = 5e-3 and scaled error ≤ 1e-2.
   */
  private static void checkGradients(Built f, List<String> variables) {
    Shape shape = Shape.of(1, 4, 4, DIM);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 9);
      Operand<TFloat32> in = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> y = f.apply(ctx, in);
      s.initialize();
      List<Operand<TFloat32>> wrt = new ArrayList<>();
      wrt.add(in);
      for (String v : variables) {
        @SuppressWarnings("unchecked")
        Operand<TFloat32> read = (Operand<TFloat32>) ctx.variables().find(NAME + "." + v).orElseThrow().value();
        wrt.add(read);
      }
      GradientCheck.on(g, s).feed(in, shape, randoms((int) shape.size(), 36)).check(y, wrt);
    }
  }
}
