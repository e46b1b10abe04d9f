package org.delineo.graph.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.DropPath;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.PlainSegNeXt;
import org.delineo.graph.testing.PlainSegNeXt.Map3;
import org.delineo.graph.testing.StateDictFeeds;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * SegNeXt's MSCAN against mmseg 1.2.2's {@code mscan.py}: the MSCAN-B parameter count of
 * reference-methods.md §0, the state-dict keys derived here from the PyTorch module tree, and the
 * forward pass of the attention module, of a block and of a whole tiny backbone against
 * {@link PlainSegNeXt} (plain Java from the PyTorch source), plus finite-difference gradients of
 * the strip-convolution attention.
 */
class MscanTest {
  /** mmseg 1.2.2 MSCAN-B (embed [64, 128, 320, 512], depths [3, 3, 12, 3], mlp ratios [8, 8, 4, 4]), §0 table. */
  private static final long MMSEG_MSCAN_B_PARAMETERS = 26_277_824L;
  private static final int[] STRIPS = {7, 11, 21};
  /** Relative tolerance of the forward comparisons (float32 graph vs double reference). */
  private static final double REL_TOL = 1e-5;

  @Test
  void mscanBHasMmsegsParameterCountAndStateDictKeys() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Mscan.builder("backbone").build().apply(ctx, image(ctx, 1, 64, 64));
      assertEquals(MMSEG_MSCAN_B_PARAMETERS, ctx.variables().trainableParameterCount());
      Map<String, Shape> ours = new TreeMap<>();
      ctx.variables().all().forEach(v -> ours.put(v.name(), v.shape()));
      assertEquals(mmsegKeys(new int[] {64, 128, 320, 512}, new int[] {3, 3, 12, 3}), ours.keySet(),
          "variable names = mmseg's state-dict keys (without num_batches_tracked)");
      // PyTorch shapes of a few keys, in our layout: conv [O, I, kh, kw] -> [kh, kw, I, O],
      // depthwise [C, 1, kh, kw] -> [kh, kw, C, 1].
      Map<String, Shape> spot = new LinkedHashMap<>();
      spot.put("backbone.patch_embed1.proj.0.weight", Shape.of(3, 3, 3, 32)); // [32, 3, 3, 3]
      spot.put("backbone.patch_embed1.proj.1.running_var", Shape.of(32));
      spot.put("backbone.patch_embed1.proj.3.weight", Shape.of(3, 3, 32, 64)); // [64, 32, 3, 3]
      spot.put("backbone.patch_embed2.proj.weight", Shape.of(3, 3, 64, 128));
      spot.put("backbone.patch_embed4.norm.bias", Shape.of(512));
      spot.put("backbone.block1.0.attn.spatial_gating_unit.conv0.weight", Shape.of(5, 5, 64, 1)); // [64, 1, 5, 5]
      spot.put("backbone.block1.0.attn.spatial_gating_unit.conv0_1.weight", Shape.of(1, 7, 64, 1)); // [64, 1, 1, 7]
      spot.put("backbone.block1.0.attn.spatial_gating_unit.conv0_2.weight", Shape.of(7, 1, 64, 1)); // [64, 1, 7, 1]
      spot.put("backbone.block2.1.attn.spatial_gating_unit.conv1_1.weight", Shape.of(1, 11, 128, 1));
      spot.put("backbone.block3.11.attn.spatial_gating_unit.conv2_2.weight", Shape.of(21, 1, 320, 1));
      spot.put("backbone.block3.11.attn.spatial_gating_unit.conv3.weight", Shape.of(1, 1, 320, 320));
      spot.put("backbone.block1.0.attn.proj_1.bias", Shape.of(64));
      spot.put("backbone.block1.0.mlp.fc1.weight", Shape.of(1, 1, 64, 512)); // mlp ratio 8
      spot.put("backbone.block1.0.mlp.dwconv.weight", Shape.of(3, 3, 512, 1));
      spot.put("backbone.block4.2.mlp.fc2.weight", Shape.of(1, 1, 2048, 512)); // mlp ratio 4
      spot.put("backbone.block1.0.layer_scale_1", Shape.of(64));
      spot.put("backbone.block4.2.layer_scale_2", Shape.of(512));
      spot.put("backbone.block2.0.norm2.running_mean", Shape.of(128));
      spot.put("backbone.norm1.weight", Shape.of(64));
      spot.put("backbone.norm4.bias", Shape.of(512));
      spot.forEach((name, shape) -> assertEquals(shape, ours.get(name), name));
    }
  }

  @Test
  void dropPathRatesRiseLinearlyOverAllBlocksAsTorchLinspace() {
    // MSCAN-B's default rate 0.1 over its 21 blocks; torch.linspace(0, 0.1, 21): step 0.005.
    float[] b = DropPath.linearRates(0.1f, 21);
    assertEquals(0f, b[0]);
    assertEquals(0.05f, b[10], 1e-7);
    assertEquals(0.1f, b[20], 1e-7);
    assertEquals(0f, DropPath.linearRates(0.1f, 1)[0], "linspace(0, r, 1) = [0]");
  }

  @Test
  void badSettingsAreRejected() {
    assertThrows(DelineoException.class, () -> Mscan.builder("b").depths(1, 1, 1).build());
    assertThrows(DelineoException.class, () -> Mscan.builder("b").embedDims(7, 16, 32, 32).build());
    assertThrows(DelineoException.class, () -> Mscan.builder("b").dropPathRate(1f).build());
    assertThrows(DelineoException.class, () -> Mscan.builder("b").attentionKernels(5, 7, 10, 21).build());
  }

  @Test
  void attentionModuleMatchesPlainJava() {
    int c = 3;
    MscaAttention attn = new MscaAttention("attn", c, 5, STRIPS);
    // 6 x 23: the 1 x 21 strip sees both borders, the 21 x 1 strip is wider than the map.
    assertMatchesPlain(attn, 2, 6, 23, c, 11, (plain, x) -> plain.mscaAttention(x, "attn", 5, STRIPS));
  }

  @Test
  void blockMatchesPlainJavaWithRunningStatisticsAndLayerScale() {
    int c = 4;
    MscaBlock block = new MscaBlock("blk", c, 2, 0.1f, 5, STRIPS);
    assertMatchesPlain(block, 2, 5, 7, c, 12, (plain, x) -> plain.block(x, "blk", 2, 5, STRIPS));
  }

  @Test
  void tinyBackboneMatchesPlainJavaOnAnOddSizedImage() {
    int[] dims = {8, 16, 16, 24};
    int[] depths = {1, 2, 1, 1};
    int[] ratios = {2, 2, 1, 1};
    int h = 37;
    int w = 22;
    float[] input = uniform(h * w * 3, 13, -2, 2);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> x = image(ctx, 1, h, w);
      List<Operand<TFloat32>> outs = Mscan.builder("backbone").embedDims(dims).depths(depths).mlpRatios(ratios)
          .build().apply(ctx, x);
      try (StateDictFeeds weights = StateDictFeeds.random(ctx.variables(), 14);
          TFloat32 in = Tensors.floats(Shape.of(1, h, w, 3), input)) {
        Session.Runner runner = weights.feed(s.runner()).feed(x, in);
        outs.forEach(runner::fetch);
        List<Map3> expected = new PlainSegNeXt(weights.torchLayout())
            .backbone(nchw(input, 0, h, w, 3), "backbone", dims, depths, ratios, 5, STRIPS);
        try (Result r = runner.run()) {
          // Stride-2 convs with PyTorch padding 1: 37 x 22 -> 19 x 11 -> 10 x 6 -> 5 x 3 -> 3 x 2.
          int[][] sizes = {{10, 6}, {5, 3}, {3, 2}, {2, 1}};
          for (int i = 0; i < 4; i++) {
            assertEquals(Shape.of(1, sizes[i][0], sizes[i][1], dims[i]), outs.get(i).shape(), "stage " + (i + 1));
            assertRelClose(expected.get(i).toNhwc(), Tensors.toFloats(r.get(i)), "stage " + (i + 1));
          }
        }
      }
    }
  }

  @Test
  void stripConvolutionAttentionGradientsMatchFiniteDifferences() {
    int c = 2;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      Operand<TFloat32> x = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 4, 9, c)));
      Operand<TFloat32> y = new MscaAttention("attn", c, 3, new int[] {5, 7}).apply(ctx, x);
      s.initialize();
      GradientCheck check = GradientCheck.on(g, s).feed(x, Shape.of(1, 4, 9, c), uniform(36 * c, 21, -1, 1));
      List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(x));
      for (String p : List.of("conv0", "conv0_1", "conv0_2", "conv1_1", "conv1_2", "conv3")) {
        wrt.add(read(ctx, "attn." + p + ".weight"));
      }
      wrt.add(read(ctx, "attn.conv1_2.bias"));
      check.tolerance(GradientCheck.DEFAULT_TOLERANCE).check(y, wrt);
    }
  }

  /** The plain-Java computation of a module on one image. */
  private interface PlainModule {
    Map3 apply(PlainSegNeXt plain, Map3 x);
  }

  /** Builds {@code layer} in EVAL on [n, h, w, c], feeds random weights and compares each image with {@code plain}. */
  private static void assertMatchesPlain(Layer layer, int n, int h, int w, int c, long seed, PlainModule plain) {
    float[] input = uniform(n * h * w * c, seed, -2, 2);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> x = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, h, w, c)));
      Operand<TFloat32> y = layer.apply(ctx, x);
      try (StateDictFeeds weights = StateDictFeeds.random(ctx.variables(), seed + 1);
          TFloat32 in = Tensors.floats(Shape.of(n, h, w, c), input);
          Result r = weights.feed(s.runner()).feed(x, in).fetch(y).run()) {
        float[] out = Tensors.toFloats(r.get(0));
        PlainSegNeXt reference = new PlainSegNeXt(weights.torchLayout());
        for (int i = 0; i < n; i++) {
          double[] expected = plain.apply(reference, nchw(input, i * h * w * c, h, w, c)).toNhwc();
          float[] actual = java.util.Arrays.copyOfRange(out, i * h * w * c, (i + 1) * h * w * c);
          assertRelClose(expected, actual, "image " + i);
        }
      }
    }
  }

  /**
   * mmseg's MSCAN state-dict keys, from mscan.py's module tree: per stage patch_embed (StemConv's
   * proj.0/1/3/4 or OverlapPatchEmbed's proj + norm), the blocks (layer scales; norm1; attn.proj_1,
   * spatial_gating_unit conv0, conv{0,1,2}_{1,2}, conv3; attn.proj_2; norm2; mlp fc1, dwconv, fc2)
   * and the stage LayerNorm. BatchNorm keys include the running statistics.
   */
  static TreeSet<String> mmsegKeys(int[] dims, int[] depths) {
    TreeSet<String> keys = new TreeSet<>();
    for (int i = 1; i <= dims.length; i++) {
      String pe = "backbone.patch_embed" + i;
      if (i == 1) {
        conv(keys, pe + ".proj.0");
        bn(keys, pe + ".proj.1");
        conv(keys, pe + ".proj.3");
        bn(keys, pe + ".proj.4");
      } else {
        conv(keys, pe + ".proj");
        bn(keys, pe + ".norm");
      }
      for (int j = 0; j < depths[i - 1]; j++) {
        String b = "backbone.block" + i + "." + j;
        keys.add(b + ".layer_scale_1");
        keys.add(b + ".layer_scale_2");
        bn(keys, b + ".norm1");
        conv(keys, b + ".attn.proj_1");
        for (String u : List.of("conv0", "conv0_1", "conv0_2", "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3")) {
          conv(keys, b + ".attn.spatial_gating_unit." + u);
        }
        conv(keys, b + ".attn.proj_2");
        bn(keys, b + ".norm2");
        conv(keys, b + ".mlp.fc1");
        conv(keys, b + ".mlp.dwconv");
        conv(keys, b + ".mlp.fc2");
      }
      keys.add("backbone.norm" + i + ".weight");
      keys.add("backbone.norm" + i + ".bias");
    }
    return keys;
  }

  private static void conv(TreeSet<String> keys, String m) {
    keys.add(m + ".weight");
    keys.add(m + ".bias");
  }

  private static void bn(TreeSet<String> keys, String m) {
    for (String p : List.of("weight", "bias", "running_mean", "running_var")) {
      keys.add(m + "." + p);
    }
  }

  /** |expected − actual| ≤ 1e-5 · max(|expected|, 1) everywhere. */
  static void assertRelClose(double[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": number of values");
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - actual[i]) <= REL_TOL * Math.max(Math.abs(expected[i]), 1))) {
        fail(what + " differs at " + i + ": expected " + expected[i] + ", found " + actual[i]);
      }
    }
  }

  /** Image {@code offset} of an NHWC array as a PyTorch CHW map. */
  static Map3 nchw(float[] nhwc, int offset, int h, int w, int c) {
    double[] v = new double[h * w * c];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int ch = 0; ch < c; ch++) {
          v[(ch * h + y) * w + x] = nhwc[offset + (y * w + x) * c + ch];
        }
      }
    }
    return new Map3(c, h, w, v);
  }

  static float[] uniform(int n, long seed, double lo, double hi) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return out;
  }

  private static Operand<TFloat32> image(GraphContext ctx, int n, int h, int w) {
    return ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, h, w, 3)));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> read(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Operand<TFloat32>) v.value();
  }
}
