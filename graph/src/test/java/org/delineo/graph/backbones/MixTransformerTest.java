package org.delineo.graph.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.DropPath;
import org.delineo.graph.testing.MmsegSegFormerKeys;
import org.delineo.graph.testing.PlainSegFormer;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;
import org.delineo.graph.testing.TorchWeights;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The Mix Transformer against mmseg 1.2.2: MiT-B3's parameter count (reference-methods.md §0) by
 * stage, its variables equal to mmseg's state-dict keys with transposed shapes, the drop-path
 * schedule, and a tiny variant's four stage outputs equal to {@link PlainSegFormer}'s plain-Java
 * forward with the same PyTorch-layout weights.
 */
class MixTransformerTest {
  /** mmseg 1.2.2 {@code segformer_mit-b3_8xb1-160k_cityscapes-1024x1024} backbone, reference-methods.md §0. */
  private static final long REFERENCE_B3_BACKBONE = 44_072_128L;

  /** Tiny variant: two heads in stage 2, reductions 4, 2, 2, 1, one or two blocks. */
  static final MmsegSegFormerKeys.Mit TINY = new MmsegSegFormerKeys.Mit(3, new int[] {8, 8, 12, 16},
      new int[] {1, 2, 1, 1}, new int[] {1, 2, 2, 4}, new int[] {4, 2, 2, 1}, new int[] {7, 3, 3, 3}, 2);

  static MixTransformer tiny() {
    return MixTransformer.builder("backbone").embedDims(TINY.dims()).numLayers(TINY.layers())
        .numHeads(TINY.heads()).srRatios(TINY.srRatios()).mlpRatio(TINY.mlpRatio()).build();
  }

  // ---- hand count (PyTorch numel), written from mit.py's layer list ----

  /** One stage: patch embedding conv + LN, blocks, stage LN. */
  private static long stage(long in, long c, long k, long sr, long blocks) {
    long patchEmbed = k * k * in * c + c + 2 * c;
    long attention = (3 * c * c + 3 * c) + (c * c + c) + (sr > 1 ? sr * sr * c * c + c + 2 * c : 0);
    long ffn = (c * 4 * c + 4 * c) + (9 * 4 * c + 4 * c) + (4 * c * c + c);
    long block = 2 * c + attention + 2 * c + ffn;
    return patchEmbed + blocks * block + 2 * c;
  }

  @Test
  void b3ParameterCountEqualsMmsegPerStageAndInTotal() {
    // 954,368 + 1,938,048 + 30,184,000 + 10,995,712 = 44,072,128.
    long[] hand = {stage(3, 64, 7, 8, 3), stage(64, 128, 3, 4, 4), stage(128, 320, 3, 2, 18),
        stage(320, 512, 3, 1, 3)};
    assertArrayEquals(new long[] {954_368, 1_938_048, 30_184_000, 10_995_712}, hand);
    assertEquals(REFERENCE_B3_BACKBONE, hand[0] + hand[1] + hand[2] + hand[3], "hand count vs mmseg");
    assertEquals(REFERENCE_B3_BACKBONE,
        MmsegSegFormerKeys.parameters(MmsegSegFormerKeys.backbone(MmsegSegFormerKeys.B3)), "key list vs mmseg");
    try (Graph g = new Graph()) {
      GraphContext ctx = buildOnly(g, MixTransformer.builder("backbone").build());
      for (int i = 0; i < 4; i++) {
        String prefix = "backbone.layers." + i + ".";
        long built = ctx.variables().trainable().stream().filter(v -> v.name().startsWith(prefix))
            .mapToLong(ModelVariable::size).sum();
        assertEquals(hand[i], built, "stage " + i);
      }
      assertEquals(REFERENCE_B3_BACKBONE, ctx.variables().trainableParameterCount(), "built B3 vs mmseg (exact)");
    }
  }

  @Test
  void b3VariablesAreMmsegStateDictKeysWithOurLayouts() {
    Map<String, long[]> mmseg = MmsegSegFormerKeys.backbone(MmsegSegFormerKeys.B3);
    try (Graph g = new Graph()) {
      GraphContext ctx = buildOnly(g, MixTransformer.builder("backbone").build());
      Map<String, String> built = new TreeMap<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        built.put(v.name(), v.shape().toString());
      }
      Map<String, String> expected = new TreeMap<>();
      mmseg.forEach((key, torch) -> expected.put("backbone." + key, ours(torch)));
      assertEquals(expected, built, "every variable is an mmseg key, every key a variable, shapes transposed");
    }
    // Spot checks against keys as they appear in mmseg's mit_b3 checkpoint.
    String[][] spot = {
      {"layers.0.0.projection.weight", "[64, 3, 7, 7]"},
      {"layers.0.1.0.attn.attn.in_proj_weight", "[192, 64]"},
      {"layers.0.1.2.attn.sr.weight", "[64, 64, 8, 8]"},
      {"layers.2.1.17.attn.norm.bias", "[320]"},
      {"layers.2.1.17.ffn.layers.1.weight", "[1280, 1, 3, 3]"},
      {"layers.3.1.2.ffn.layers.4.weight", "[512, 2048, 1, 1]"},
      {"layers.3.2.weight", "[512]"},
    };
    for (String[] s : spot) {
      assertTrue(mmseg.containsKey(s[0]), s[0]);
      assertEquals(s[1], java.util.Arrays.toString(mmseg.get(s[0])), s[0]);
    }
    assertFalse(mmseg.containsKey("layers.3.1.0.attn.sr.weight"), "stage 4 has sr_ratio 1: no reduction");
  }

  /** Our layout of a PyTorch shape: OIHW → HWIO (depthwise [C, 1, k, k] → [k, k, C, 1]), [out, in] → [in, out]. */
  private static String ours(long[] t) {
    if (t.length == 4) {
      return t[1] == 1 && t[0] > 1 && t[2] == 3
          ? Shape.of(t[2], t[3], t[0], 1).toString()
          : Shape.of(t[2], t[3], t[1], t[0]).toString();
    }
    return t.length == 2 ? Shape.of(t[1], t[0]).toString() : Shape.of(t).toString();
  }

  @Test
  void dropPathRatesAreTorchLinspaceOverAllBlocks() {
    // torch.linspace(0, 0.1, 28): step 0.1 / 27.
    float[] b3 = DropPath.linearRates(0.1f, 28);
    assertEquals(28, b3.length);
    assertEquals(0f, b3[0]);
    assertEquals(0.1f / 27, b3[1], 1e-8f);
    assertEquals(0.1f * 13 / 27, b3[13], 1e-8f);
    assertEquals(0.1f, b3[27], 1e-8f);
    assertArrayEquals(new float[] {0f}, DropPath.linearRates(0.1f, 1), "linspace with one step is [start]");
    assertThrows(DelineoException.class, () -> DropPath.linearRates(1f, 4));
  }

  @Test
  void inconsistentSettingsAreRejected() {
    assertThrows(DelineoException.class, () -> MixTransformer.builder("backbone").numLayers(3, 4, 18).build());
    assertThrows(DelineoException.class, () -> MixTransformer.builder("backbone").numHeads(1, 2, 5, 0).build());
    DelineoException heads = assertThrows(DelineoException.class,
        () -> MixTransformer.builder("backbone").embedDims(64, 128, 318, 512).build());
    assertTrue(heads.getMessage().contains("5 heads") && heads.getMessage().contains("318"), heads.getMessage());
  }

  @Test
  void featureLevelsFollowThePatchStrides() {
    assertEquals(new FeatureLevels(List.of(64, 128, 320, 512), List.of(4, 8, 16, 32)),
        MixTransformer.builder("backbone").build().featureLevels());
    assertEquals(List.of(2, 4, 8, 8), MixTransformer.builder("backbone").strides(2, 2, 2, 1).build()
        .featureLevels().strides());
  }

  /**
   * A tiny MiT on a 30 × 45 image (sizes rounded up at every stride: 8 × 12, 4 × 6, 2 × 3, 1 × 2;
   * key/value maps reduced to 2 × 3, 2 × 3, 1 × 1) equals the plain-Java forward with the same
   * weights, for a static and a fully unknown input shape.
   */
  @Test
  void tinyForwardEqualsPlainJava() {
    Map<String, float[]> torch = TorchWeights.random(MmsegSegFormerKeys.backbone(TINY), 21);
    assertForwardEqualsPlain(torch, 1e-6);
  }

  /**
   * Every LayerNorm uses mmseg's eps 1e-6: with the weights that feed each norm (patch projection and
   * norm, sr conv, out_proj, fc2) scaled by 1e-3, every norm sees a variance near 1e-6, where eps
   * 1e-5 (PyTorch's default) would change the output by far more than the tolerance.
   */
  @Test
  void layerNormsUseMmsegsEpsilon() {
    Map<String, float[]> torch = TorchWeights.random(MmsegSegFormerKeys.backbone(TINY), 23);
    torch.forEach((k, v) -> {
      if (k.matches("layers\\.\\d+\\.0\\..*|.*attn\\.sr\\..*|.*out_proj.*|.*ffn\\.layers\\.4\\..*")) {
        for (int i = 0; i < v.length; i++) {
          v[i] *= 1e-3f;
        }
      }
    });
    List<FeatureMap> mmsegEps = assertForwardEqualsPlain(torch, 1e-6);
    FeatureMap pytorchDefault = plain(torch, 1e-5).get(3);
    double maxDiff = 0;
    for (int e = 0; e < pytorchDefault.v().length; e++) {
      maxDiff = Math.max(maxDiff, Math.abs(pytorchDefault.v()[e] - mmsegEps.get(3).v()[e]));
    }
    assertTrue(maxDiff > 1e-2, "the check is sensitive to eps: eps 1e-5 moves the output by " + maxDiff);
  }

  private static final int H = 30;
  private static final int W = 45;
  private static final float[] IMAGE = randoms(H * W * 3, 22);

  private static List<FeatureMap> plain(Map<String, float[]> torch, double eps) {
    return new PlainSegFormer(prefixed(torch)).mit(toMap(H, W, 3, IMAGE), "backbone.", TINY, eps);
  }

  /** Runs the tiny MiT with {@code torch}'s weights and compares it with the plain forward; returns the latter. */
  private static List<FeatureMap> assertForwardEqualsPlain(Map<String, float[]> torch, double eps) {
    List<FeatureMap> want = plain(torch, eps);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 3);
      Operand<TFloat32> fixed = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, H, W, 3)));
      Operand<TFloat32> open = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      MixTransformer net = tiny();
      List<Operand<TFloat32>> a = net.apply(ctx, fixed);
      List<Operand<TFloat32>> b = net.apply(ctx, open);
      s.initialize();
      TorchWeights.assign(ctx, s, "backbone.", torch, MmsegSegFormerKeys.backbone(TINY));
      try (TFloat32 in = Tensors.floats(Shape.of(1, H, W, 3), IMAGE)) {
        Session.Runner runner = s.runner().feed(fixed, in).feed(open, in);
        a.forEach(runner::fetch);
        b.forEach(runner::fetch);
        try (Result r = runner.run()) {
          int[][] sizes = {{8, 12}, {4, 6}, {2, 3}, {1, 2}};
          for (int i = 0; i < 4; i++) {
            long[] shape = {1, sizes[i][0], sizes[i][1], TINY.dims()[i]};
            assertArrayEquals(shape, a.get(i).shape().asArray(), "static shape of stage " + i);
            assertArrayEquals(shape, r.get(i).shape().asArray(), "stage " + i);
            assertEquals(4, b.get(i).shape().numDimensions(), "rank kept with unknown sizes");
            assertEquals(TINY.dims()[i], b.get(i).shape().get(3), "channels kept with unknown sizes");
            assertClose(want.get(i).v(), Tensors.toFloats(r.get(i)), "stage " + i + ", static sizes");
            assertClose(want.get(i).v(), Tensors.toFloats(r.get(4 + i)), "stage " + i + ", unknown sizes");
          }
        }
      }
    }
    return want;
  }

  @Test
  void gradientsReachEveryVariableOfATinyVariantInTraining() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 32, 32, 3)));
      List<Operand<TFloat32>> out = tiny().apply(ctx, x);
      Operand<TFloat32> loss = ctx.tf().constant(0f);
      for (Operand<TFloat32> y : out) {
        loss = ctx.tf().math.add(loss, ctx.tf().math.mean(ctx.tf().math.square(y), ctx.tf().constant(new int[] {0, 1, 2, 3})));
      }
      List<ModelVariable<TFloat32>> trainable = ctx.variables().trainable();
      Output<?>[] in = new Output<?>[trainable.size()];
      for (int i = 0; i < in.length; i++) {
        in[i] = trainable.get(i).value().asOutput();
      }
      Output<?>[] grads = g.addGradients(loss.asOutput(), in);
      for (int i = 0; i < grads.length; i++) {
        assertFalse(grads[i] == null || grads[i].isClosed(), "no gradient path to " + trainable.get(i).name());
      }
    }
  }

  // ---- helpers ----

  private static GraphContext buildOnly(Graph g, MixTransformer net) {
    GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
    net.apply(ctx, ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 64, 64, 3))));
    return ctx;
  }

  static Map<String, float[]> prefixed(Map<String, float[]> torch) {
    Map<String, float[]> out = new TreeMap<>();
    torch.forEach((k, v) -> out.put("backbone." + k, v));
    return out;
  }

  static FeatureMap toMap(int h, int w, int c, float[] values) {
    double[] v = new double[values.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = values[i];
    }
    return new FeatureMap(h, w, c, v);
  }

  static float[] randoms(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** |want − got| ≤ 1e-5·max(1, |want|) everywhere. */
  static void assertClose(double[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what + ": element count");
    for (int e = 0; e < want.length; e++) {
      assertEquals(want[e], got[e], 1e-5 * Math.max(1, Math.abs(want[e])), what + ", element " + e);
    }
  }
}
