package org.delineo.graph.heads;

import static org.delineo.graph.heads.DeformableTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.MmdetPixelDecoderKeys;
import org.delineo.graph.testing.PlainPixelDecoder;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * mmdet's {@code MSDeformAttnPixelDecoder}: Mask2Former Swin-B's parameter count and state-dict
 * names; a tiny decoder (4 levels of 8 × 10 down to 1 × 2, width 8, 3 encoder levels, 2 layers,
 * 2 heads, 2 points, FFN 16, GN 2) equal to {@link PlainPixelDecoder} for two images, with static
 * sizes and with sizes known only when the step runs; the outputs' sizes (mask features at the
 * stride-4 level, multi-scale features from the lowest resolution up); gradients to weights by
 * finite differences.
 */
class MsDeformAttnPixelDecoderTest {
  private static final int[] IN = {4, 6, 8, 10};
  private static final int[][] SIZES = {{8, 10}, {4, 5}, {2, 3}, {1, 2}};
  private static final int C = 8;
  private static final int OUT = 5;
  private static final int LEVELS = 3;
  private static final int LAYERS = 2;
  private static final int HEADS = 2;
  private static final int POINTS = 2;
  private static final int HIDDEN = 16;
  private static final int GROUPS = 2;
  private static final String NAME = "decode_head.pixel_decoder";

  @Test
  void mask2formerSwinBSettingsHaveMmdetsParameterCountAndNames() {
    // input convs: Σ (c_in·256 + 256 bias + 2·256 GN) over 1024, 512, 256;
    // per encoder layer: offsets 256·192 + 192, weights 256·96 + 96, value/output 2·(256² + 256),
    // FFN 256·1024 + 1024 + 1024·256 + 256, norms 2·2·256; level encoding 3·256;
    // lateral 128·256 + 2·256; output 9·256² + 2·256; mask_feature 256² + 256.
    long inputConvs = (1024L + 512 + 256) * 256 + 3 * (256 + 512);
    long layer = 256L * 192 + 192 + 256 * 96 + 96 + 2 * (256L * 256 + 256) + 256L * 1024 + 1024 + 1024L * 256 + 256
        + 4 * 256;
    long hand = inputConvs + 6 * layer + 3 * 256 + 128L * 256 + 512 + 9L * 256 * 256 + 512 + 256L * 256 + 256;
    assertEquals(5_544_384L, hand, "hand count vs the issue's mmseg count");
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      int[] widths = {128, 256, 512, 1024};
      List<Operand<TFloat32>> feats = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        long side = 128 >> k; // a 512 × 512 image at strides 4..32
        feats.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, side, side, widths[k]))));
      }
      MsDeformAttnPixelDecoder.Output out = MsDeformAttnPixelDecoder.builder(NAME).build().apply(ctx, feats);
      assertArrayEquals(new long[] {-1, 128, 128, 256}, out.maskFeatures().shape().asArray(), "mask features");
      assertEquals(3, out.multiScaleFeatures().size());
      for (int i = 0; i < 3; i++) {
        long side = 16 << i; // strides 32, 16, 8
        assertArrayEquals(new long[] {-1, side, side, 256}, out.multiScaleFeatures().get(i).shape().asArray(),
            "multi-scale feature " + i);
      }
      assertEquals(5_544_384L, ctx.variables().trainableParameterCount(), "built decoder vs mmdet (exact)");
      Map<String, String> built = new TreeMap<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        built.put(v.name(), v.shape().toString());
      }
      assertEquals(expectedNames(widths, 256, 256, 6, 8, 4, 1024), built);
    }
  }

  @Test
  void tinyDecoderEqualsPlainJavaWithStaticSizes() {
    checkAgainstPlain(false);
  }

  @Test
  void tinyDecoderEqualsPlainJavaWithSizesKnownOnlyWhenTheStepRuns() {
    checkAgainstPlain(true);
  }

  @Test
  void gradientsToAnOffsetWeightAndAnInputConvMatchFiniteDifferences() {
    Map<String, long[]> shapes = tinyShapes();
    Map<String, float[]> weights = DeformableTesting.randomWeights(shapes, 31);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      List<Operand<TFloat32>> feats = placeholders(ctx, 1, false);
      MsDeformAttnPixelDecoder.Output out = tiny().apply(ctx, feats);
      s.initialize();
      DeformableTesting.assign(ctx, s, NAME + ".", weights, shapes);
      GradientCheck check = GradientCheck.on(g, s).eps(1e-3);
      for (int k = 0; k < 4; k++) {
        check.feed(feats.get(k), Shape.of(1, SIZES[k][0], SIZES[k][1], IN[k]), inputs(1).get(k));
      }
      // The mask features depend on every part; the offsets' weight reaches them only through the
      // bilinear sampling locations.
      double err = check.check(out.maskFeatures(), List.of(
          read(ctx, NAME + ".encoder.layers.0.self_attn.sampling_offsets.weight"),
          read(ctx, NAME + ".input_convs.2.conv.weight")));
      assertEquals(0, err, 2e-2, "scaled gradient error");
    }
  }

  @Test
  void initialValuesFollowMmdetsInitWeights() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      tiny().apply(ctx, placeholders(ctx, 1, false));
      s.initialize();
      String[] names = {"input_convs.0.conv.weight", "output_convs.0.conv.weight", "lateral_convs.0.conv.weight",
          "mask_feature.weight", "level_encoding.weight", "encoder.layers.1.ffn.layers.0.0.weight",
          "input_convs.0.conv.bias", "mask_feature.bias", "input_convs.1.gn.weight",
          "encoder.layers.1.self_attn.sampling_offsets.bias", "encoder.layers.1.self_attn.attention_weights.weight"};
      List<Operand<TFloat32>> reads = new ArrayList<>();
      for (String name : names) {
        reads.add(read(ctx, NAME + "." + name));
      }
      float[][] v = DeformableTesting.run(s, Map.of(), Map.of(), reads);
      // Xavier-uniform, fan_in 10 (input level 3), fan_out 8: U(±√(6/18)).
      assertUniformBound(v[0], Math.sqrt(6.0 / 18), "input conv 0");
      // caffe2-Xavier: U(±√(3 / fan_in)), fan_in 9·8 for the 3 × 3 output conv, 4 and 8 for the 1 × 1 ones.
      assertUniformBound(v[1], Math.sqrt(3.0 / 72), "output conv");
      assertUniformBound(v[2], Math.sqrt(3.0 / 4), "lateral conv");
      assertUniformBound(v[3], Math.sqrt(3.0 / 8), "mask_feature");
      assertEquals(1.0, std(v[4]), 0.35, "level encoding N(0, 1)");
      assertEquals(Math.sqrt(2.0 / (8 + 16)), std(v[5]), 0.05, "FFN Xavier-normal");
      assertArrayEquals(new float[C], v[6], 0f, "input conv bias 0");
      assertArrayEquals(new float[OUT], v[7], 0f, "mask_feature bias 0");
      assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, v[8], 0f, "GroupNorm scale 1");
      assertArrayEquals(MultiScaleDeformableAttention.gridInit(HEADS, LEVELS, POINTS), v[9], 0f, "grid init");
      assertArrayEquals(new float[C * HEADS * LEVELS * POINTS], v[10], 0f, "attention weights 0");
    }
  }

  @Test
  void rejectsTooFewLevelsAndBadSettings() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      List<Operand<TFloat32>> two = placeholders(ctx, 1, false).subList(0, 2);
      DelineoException e = assertThrows(DelineoException.class, () -> tiny().apply(ctx, two));
      assertEquals(NAME + ": needs at least 3 feature levels, found 2", e.getMessage());
    }
    DelineoException e = assertThrows(DelineoException.class,
        () -> MsDeformAttnPixelDecoder.builder(NAME).channels(12).heads(8).build());
    assertEquals(NAME + ": channels must be even and a multiple of heads (8) and groups (32), found 12",
        e.getMessage());
    assertThrows(DelineoException.class, () -> MsDeformAttnPixelDecoder.builder(NAME).points(0).build());
  }

  /**
   * The decoder on random weights and two random images equals the plain-Java decoder on each image:
   * mask features [2, 8, 10, 5] and multi-scale features 1 × 2, 2 × 3, 4 × 5 of width 8.
   */
  private static void checkAgainstPlain(boolean freeSizes) {
    Map<String, long[]> shapes = tinyShapes();
    Map<String, float[]> weights = DeformableTesting.randomWeights(shapes, 17);
    int n = 2;
    List<float[]> values = inputs(n);
    Map<String, float[]> prefixed = new HashMap<>();
    weights.forEach((k, v) -> prefixed.put(NAME + "." + k, v));
    List<PlainPixelDecoder.Output> want = new ArrayList<>();
    for (int b = 0; b < n; b++) {
      List<FeatureMap> image = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        int per = SIZES[k][0] * SIZES[k][1] * IN[k];
        double[] v = new double[per];
        for (int e = 0; e < per; e++) {
          v[e] = values.get(k)[b * per + e];
        }
        image.add(new FeatureMap(SIZES[k][0], SIZES[k][1], IN[k], v));
      }
      want.add(new PlainPixelDecoder(prefixed).decode(image, NAME + ".", C, OUT, LEVELS, LAYERS, HEADS, POINTS,
          HIDDEN, GROUPS, 3));
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      List<Operand<TFloat32>> feats = placeholders(ctx, n, freeSizes);
      MsDeformAttnPixelDecoder.Output out = tiny().apply(ctx, feats);
      if (!freeSizes) {
        assertArrayEquals(new long[] {n, 8, 10, OUT}, out.maskFeatures().shape().asArray(), "mask features, stride 4");
        long[][] multi = {{n, 1, 2, C}, {n, 2, 3, C}, {n, 4, 5, C}};
        for (int i = 0; i < 3; i++) {
          assertArrayEquals(multi[i], out.multiScaleFeatures().get(i).shape().asArray(), "strides 32, 16, 8");
        }
      }
      s.initialize();
      DeformableTesting.assign(ctx, s, NAME + ".", weights, shapes);
      Map<Operand<TFloat32>, float[]> feeds = new HashMap<>();
      Map<Operand<TFloat32>, Shape> feedShapes = new HashMap<>();
      for (int k = 0; k < 4; k++) {
        feeds.put(feats.get(k), values.get(k));
        feedShapes.put(feats.get(k), Shape.of(n, SIZES[k][0], SIZES[k][1], IN[k]));
      }
      List<Operand<TFloat32>> fetches = new ArrayList<>();
      fetches.add(out.maskFeatures());
      fetches.addAll(out.multiScaleFeatures());
      float[][] got = DeformableTesting.run(s, feeds, feedShapes, fetches);
      assertClose(batch(want, -1), got[0], 1e-4, "mask features");
      for (int i = 0; i < 3; i++) {
        assertClose(batch(want, i), got[1 + i], 1e-4, "multi-scale feature " + i);
      }
    }
  }

  /** The plain outputs of every image concatenated: mask features (index −1) or multi-scale feature i. */
  private static double[] batch(List<PlainPixelDecoder.Output> outs, int index) {
    List<double[]> parts = new ArrayList<>();
    for (PlainPixelDecoder.Output o : outs) {
      parts.add(index < 0 ? o.maskFeatures().v() : o.multiScaleFeatures().get(index).v());
    }
    double[] all = new double[parts.size() * parts.get(0).length];
    for (int b = 0; b < parts.size(); b++) {
      System.arraycopy(parts.get(b), 0, all, b * parts.get(0).length, parts.get(0).length);
    }
    return all;
  }

  private static MsDeformAttnPixelDecoder tiny() {
    return MsDeformAttnPixelDecoder.builder(NAME).channels(C).outChannels(OUT).encoderLevels(LEVELS)
        .encoderLayers(LAYERS).heads(HEADS).points(POINTS).ffnChannels(HIDDEN).groups(GROUPS).build();
  }

  private static Map<String, long[]> tinyShapes() {
    return MmdetPixelDecoderKeys.shapes(IN, C, OUT, LEVELS, LAYERS, HEADS, POINTS, HIDDEN);
  }

  /** mmdet's names under {@link #NAME} with our shapes: conv OIHW → HWIO, linear [out, in] → [in, out]. */
  private static Map<String, String> expectedNames(int[] in, int c, int out, int layers, int heads, int points,
      int hidden) {
    Map<String, String> expected = new TreeMap<>();
    MmdetPixelDecoderKeys.shapes(in, c, out, LEVELS, layers, heads, points, hidden).forEach((k, t) -> {
      Shape ours = t.length == 4 ? Shape.of(t[2], t[3], t[1], t[0])
          : t.length == 2 && !k.equals("level_encoding.weight") ? Shape.of(t[1], t[0]) : Shape.of(t);
      expected.put(NAME + "." + k, ours.toString());
    });
    return expected;
  }

  private static List<Operand<TFloat32>> placeholders(GraphContext ctx, int n, boolean free) {
    List<Operand<TFloat32>> feats = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      Shape shape = free ? Shape.of(-1, -1, -1, IN[k]) : Shape.of(n, SIZES[k][0], SIZES[k][1], IN[k]);
      feats.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(shape)));
    }
    return feats;
  }

  private static List<float[]> inputs(int n) {
    List<float[]> values = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      values.add(DeformableTesting.gaussian(n * SIZES[k][0] * SIZES[k][1] * IN[k], 100 + k));
    }
    return values;
  }

  /** Every |value| within the bound, and the largest near it (a uniform draw of many values). */
  private static void assertUniformBound(float[] v, double bound, String what) {
    double max = 0;
    for (float x : v) {
      max = Math.max(max, Math.abs(x));
    }
    assertTrue(max <= bound && max > 0.8 * bound, what + ": max |w| " + max + " vs bound " + bound);
  }

  private static double std(float[] v) {
    double sum = 0;
    double squares = 0;
    for (float x : v) {
      sum += x;
      squares += (double) x * x;
    }
    double mean = sum / v.length;
    return Math.sqrt(squares / v.length - mean * mean);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> read(GraphContext ctx, String name) {
    return (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
  }
}
