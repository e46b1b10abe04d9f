package org.delineo.graph.backbones;

import static org.delineo.graph.backbones.MixTransformerTest.assertClose;
import static org.delineo.graph.backbones.MixTransformerTest.randoms;
import static org.delineo.graph.backbones.MixTransformerTest.toMap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableKind;
import org.delineo.graph.testing.MmsegSegFormerKeys;
import org.delineo.graph.testing.MmsegSwinKeys;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;
import org.delineo.graph.testing.PlainSwin;
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
 * The Swin Transformer against mmseg: Swin-B's parameter count (the 86,880,376, counted by
 * hand from swin.py's layers) in total and by stage, its variables equal to mmseg's state-dict keys
 * with our layouts, its stages' widths, depths and strides, and a tiny variant on an image whose
 * size is a multiple of neither the patch nor the window (mmseg's own test size 112 × 137) equal to
 * {@link PlainSwin}'s plain-Java forward, with static and unknown input sizes.
 */
class SwinTransformerTest {
  /** issue 15 / reference-methods.md §0: the backbone of mask2former_swin-b-in22k-384x384 (mmseg build). */
  private static final long REFERENCE_SWIN_B = 86_880_376L;

  /** Tiny variant: width 8, two blocks per stage (so every stage has a shifted block), window 3. */
  private static final MmsegSwinKeys.Swin TINY =
      new MmsegSwinKeys.Swin(3, 8, new int[] {2, 2, 2, 2}, new int[] {1, 2, 2, 4}, 3, 2, 4);

  private static SwinTransformer tiny() {
    return SwinTransformer.builder("backbone").embedDims(TINY.embedDims()).depths(TINY.depths())
        .numHeads(TINY.heads()).windowSize(TINY.window()).mlpRatio(TINY.mlpRatio()).build();
  }

  // ---- hand count (PyTorch numel), written from swin.py's layer list ----

  /** One block of width c: norm1, W-MSA (bias table, qkv, proj), norm2, FFN 4c. */
  private static long block(long c, long heads, long window) {
    long table = (2 * window - 1) * (2 * window - 1) * heads;
    return 2 * c + table + (3 * c * c + 3 * c) + (c * c + c) + 2 * c + (4 * c * c + 4 * c) + (4 * c * c + c);
  }

  /** One stage: its blocks, its patch merging (LN 4c, Linear 4c → 2c without bias) unless last, its out norm. */
  private static long stage(long c, long depth, long heads, long window, boolean merging) {
    return depth * block(c, heads, window) + (merging ? 8 * c + 8 * c * c : 0) + 2 * c;
  }

  @Test
  void swinBParameterCountEqualsTheReferenceInTotalAndByStage() {
    long patchEmbed = 4 * 4 * 3 * 128 + 128 + 2 * 128;
    long[] hand = {stage(128, 2, 4, 12, true), stage(256, 2, 8, 12, true), stage(512, 18, 16, 12, true),
        stage(1024, 2, 32, 12, false)};
    assertEquals(REFERENCE_SWIN_B, patchEmbed + hand[0] + hand[1] + hand[2] + hand[3], "hand count vs reference");
    assertEquals(REFERENCE_SWIN_B, MmsegSegFormerKeys.parameters(MmsegSwinKeys.backbone(MmsegSwinKeys.SWIN_B)),
        "key list vs reference");
    try (Graph g = new Graph()) {
      GraphContext ctx = buildOnly(g, SwinTransformer.builder("backbone").build());
      assertEquals(REFERENCE_SWIN_B, ctx.variables().trainableParameterCount(), "built Swin-B (exact)");
      assertEquals(patchEmbed, built(ctx, "backbone.patch_embed."), "patch embedding");
      for (int i = 0; i < 4; i++) {
        assertEquals(hand[i], built(ctx, "backbone.stages." + i + ".") + built(ctx, "backbone.norm" + i + "."),
            "stage " + i);
      }
    }
  }

  @Test
  void swinBVariablesAreMmsegStateDictKeysWithOurLayouts() {
    Map<String, long[]> mmseg = MmsegSwinKeys.backbone(MmsegSwinKeys.SWIN_B);
    try (Graph g = new Graph()) {
      GraphContext ctx = buildOnly(g, SwinTransformer.builder("backbone").build());
      Map<String, String> built = new TreeMap<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        built.put(v.name(), v.shape().toString());
      }
      Map<String, String> expected = new TreeMap<>();
      mmseg.forEach((key, torch) -> expected.put("backbone." + key, ours(key, torch)));
      assertEquals(expected, built, "every variable is an mmseg key, every key a variable, shapes transposed");
      assertEquals(VariableKind.EMBEDDING,
          ctx.variables().find("backbone.stages.2.blocks.17.attn.w_msa.relative_position_bias_table").orElseThrow()
              .kind(), "bias tables are not decayed by default (mmseg's config: decay_mult 0)");
    }
    // Spot checks against keys as they appear in mmseg's Swin-B checkpoints.
    String[][] spot = {
      {"patch_embed.projection.weight", "[128, 3, 4, 4]"},
      {"stages.0.blocks.1.attn.w_msa.relative_position_bias_table", "[529, 4]"},
      {"stages.2.blocks.17.attn.w_msa.qkv.weight", "[1536, 512]"},
      {"stages.2.downsample.reduction.weight", "[1024, 2048]"},
      {"stages.3.blocks.1.ffn.layers.0.0.weight", "[4096, 1024]"},
      {"norm3.weight", "[1024]"},
    };
    for (String[] s : spot) {
      assertTrue(mmseg.containsKey(s[0]), s[0]);
      assertEquals(s[1], java.util.Arrays.toString(mmseg.get(s[0])), s[0]);
    }
    assertFalse(mmseg.containsKey("stages.3.downsample.reduction.weight"), "the last stage does not merge");
  }

  /** Our layout of a PyTorch shape: OIHW → HWIO, [out, in] → [in, out], the bias table unchanged. */
  private static String ours(String key, long[] t) {
    if (t.length == 4) {
      return Shape.of(t[2], t[3], t[1], t[0]).toString();
    }
    return t.length == 2 && !key.endsWith("relative_position_bias_table") ? Shape.of(t[1], t[0]).toString()
        : Shape.of(t).toString();
  }

  /**
   * Swin-B on a 64 × 64 input: widths 128, 256, 512, 1024 at strides 4, 8, 16, 32, blocks 2, 2, 18, 2
   * with 4, 8, 16, 32 heads (the columns of the bias tables).
   */
  @Test
  void swinBStagesHaveTheirWidthsStridesDepthsAndHeads() {
    SwinTransformer swinB = SwinTransformer.builder("backbone").build();
    assertEquals(new FeatureLevels(List.of(128, 256, 512, 1024), List.of(4, 8, 16, 32)), swinB.featureLevels());
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      List<Operand<TFloat32>> maps =
          swinB.apply(ctx, ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 64, 64, 3))));
      long[][] shapes = {{2, 16, 16, 128}, {2, 8, 8, 256}, {2, 4, 4, 512}, {2, 2, 2, 1024}};
      assertEquals(4, maps.size());
      int[] depths = {2, 2, 18, 2};
      int[] heads = {4, 8, 16, 32};
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(shapes[i], maps.get(i).shape().asArray(), "stage " + i);
        TreeSet<String> blocks = new TreeSet<>();
        String prefix = "backbone.stages." + i + ".blocks.";
        for (ModelVariable<?> v : ctx.variables().all()) {
          if (v.name().startsWith(prefix)) {
            blocks.add(v.name().substring(prefix.length()).split("\\.")[0]);
          }
          if (v.name().startsWith(prefix) && v.name().endsWith("relative_position_bias_table")) {
            assertEquals(Shape.of(529, heads[i]), v.shape(), v.name());
          }
        }
        assertEquals(depths[i], blocks.size(), "blocks of stage " + i);
      }
    }
  }

  @Test
  void inconsistentSettingsAreRejected() {
    assertThrows(DelineoException.class, () -> SwinTransformer.builder("backbone").depths(2, 2, 18).build());
    assertThrows(DelineoException.class, () -> SwinTransformer.builder("backbone").windowSize(0).build());
    assertThrows(DelineoException.class, () -> SwinTransformer.builder("backbone").dropPathRate(1f).build());
    DelineoException heads = assertThrows(DelineoException.class,
        () -> SwinTransformer.builder("backbone").numHeads(4, 8, 12, 32).build());
    assertTrue(heads.getMessage().contains("stage 2 has 12 heads") && heads.getMessage().contains("512"),
        heads.getMessage());
  }

  private static final int H = 112;
  private static final int W = 137;

  /**
   * A tiny Swin on mmseg's "abnormal inference size" 112 × 137 (test_swin.py: maps 28 × 35,
   * 14 × 18, 7 × 9, 4 × 5): the image is padded to 112 × 140 for the patches, every stage's map to
   * multiples of the window 3 (30 × 36, 15 × 18, 9 × 9, 6 × 6), odd maps before merging to even
   * sizes; the four outputs equal the plain-Java forward, for static and unknown input sizes.
   */
  @Test
  void tinyForwardOnAnImageOfNoWholeWindowsEqualsPlainJava() {
    Map<String, long[]> shapes = MmsegSwinKeys.backbone(TINY);
    Map<String, float[]> torch = TorchWeights.random(shapes, 51);
    // The output norms' scales around 1 (TorchWeights draws only norm, norm1, norm2 scales so).
    Random r = new Random(52);
    torch.forEach((k, v) -> {
      if (k.matches("norm\\d\\.weight")) {
        for (int i = 0; i < v.length; i++) {
          v[i] = 0.5f + r.nextFloat();
        }
      }
    });
    float[] image = randoms(H * W * 3, 53);
    List<FeatureMap> want = new PlainSwin(MixTransformerTest.prefixed(torch)).swin(toMap(H, W, 3, image),
        "backbone.", TINY);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 3);
      Operand<TFloat32> fixed = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, H, W, 3)));
      Operand<TFloat32> open = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      SwinTransformer net = tiny();
      List<Operand<TFloat32>> a = net.apply(ctx, fixed);
      List<Operand<TFloat32>> b = net.apply(ctx, open);
      s.initialize();
      TorchWeights.assign(ctx, s, "backbone.", torch, shapes);
      try (TFloat32 in = Tensors.floats(Shape.of(1, H, W, 3), image)) {
        Session.Runner runner = s.runner().feed(fixed, in).feed(open, in);
        a.forEach(runner::fetch);
        b.forEach(runner::fetch);
        try (Result res = runner.run()) {
          int[][] sizes = {{28, 35}, {14, 18}, {7, 9}, {4, 5}};
          int[] channels = {8, 16, 32, 64};
          assertEquals(List.of(4, 8, 16, 32), net.featureLevels().strides());
          for (int i = 0; i < 4; i++) {
            long[] shape = {1, sizes[i][0], sizes[i][1], channels[i]};
            assertArrayEquals(shape, a.get(i).shape().asArray(), "static shape of stage " + i);
            assertArrayEquals(shape, res.get(i).shape().asArray(), "stage " + i);
            assertArrayEquals(shape, res.get(4 + i).shape().asArray(), "stage " + i + ", unknown sizes");
            assertEquals(channels[i], b.get(i).shape().get(3), "channels kept with unknown sizes");
            assertClose(want.get(i).v(), Tensors.toFloats(res.get(i)), "stage " + i + ", static sizes");
            assertClose(want.get(i).v(), Tensors.toFloats(res.get(4 + i)), "stage " + i + ", unknown sizes");
          }
        }
      }
    }
  }

  @Test
  void gradientsReachEveryVariableOfATinyVariantInTraining() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      List<Operand<TFloat32>> out = tiny().apply(ctx, x);
      Operand<TFloat32> loss = ctx.tf().constant(0f);
      for (Operand<TFloat32> y : out) {
        loss = ctx.tf().math.add(loss,
            ctx.tf().math.mean(ctx.tf().math.square(y), ctx.tf().constant(new int[] {0, 1, 2, 3})));
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

  private static long built(GraphContext ctx, String prefix) {
    return ctx.variables().trainable().stream().filter(v -> v.name().startsWith(prefix))
        .mapToLong(ModelVariable::size).sum();
  }

  private static GraphContext buildOnly(Graph g, SwinTransformer net) {
    GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
    net.apply(ctx, ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 64, 64, 3))));
    return ctx;
  }
}
