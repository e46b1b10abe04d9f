package org.delineo.graph.heads;

import static org.delineo.graph.heads.Mask2FormerDecoderLayerTest.placeholder;
import static org.delineo.graph.heads.Mask2FormerDecoderLayerTest.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.StateDictFeeds;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Mask2Former's transformer decoder and prediction head: the full-size parameter count of issue 15
 * with mmdet's state-dict names, the tiny decoder's 1 + layers predictions equal to the plain-Java
 * formulation ({@link PlainMask2Former}: level i mod 3 for layer i, masks from the previous stage,
 * query_embed as the queries' positional code, the sine code on memories), its gradients against
 * finite differences, and the errors for wrong inputs.
 */
class Mask2FormerDecoderTest {
  private static final String HEAD = "decode_head";

  // ---- parameter count and names ----

  /** mmdet's state-dict keys of the head without its pixel decoder, with PyTorch shapes. */
  private static Map<String, long[]> mmdetKeys(int c, int f, int q, int layers, int levels, int k) {
    Map<String, long[]> keys = new LinkedHashMap<>();
    for (int i = 0; i < layers; i++) {
      String l = HEAD + ".transformer_decoder.layers." + i + ".";
      for (String attn : List.of("cross_attn", "self_attn")) {
        keys.put(l + attn + ".attn.in_proj_weight", new long[] {3L * c, c});
        keys.put(l + attn + ".attn.in_proj_bias", new long[] {3L * c});
        keys.put(l + attn + ".attn.out_proj.weight", new long[] {c, c});
        keys.put(l + attn + ".attn.out_proj.bias", new long[] {c});
      }
      keys.put(l + "ffn.layers.0.0.weight", new long[] {f, c});
      keys.put(l + "ffn.layers.0.0.bias", new long[] {f});
      keys.put(l + "ffn.layers.1.weight", new long[] {c, f});
      keys.put(l + "ffn.layers.1.bias", new long[] {c});
      for (int n = 0; n < 3; n++) {
        keys.put(l + "norms." + n + ".weight", new long[] {c});
        keys.put(l + "norms." + n + ".bias", new long[] {c});
      }
    }
    keys.put(HEAD + ".transformer_decoder.post_norm.weight", new long[] {c});
    keys.put(HEAD + ".transformer_decoder.post_norm.bias", new long[] {c});
    keys.put(HEAD + ".query_embed.weight", new long[] {q, c});
    keys.put(HEAD + ".query_feat.weight", new long[] {q, c});
    keys.put(HEAD + ".level_embed.weight", new long[] {levels, c});
    keys.put(HEAD + ".cls_embed.weight", new long[] {k + 1L, c});
    keys.put(HEAD + ".cls_embed.bias", new long[] {k + 1L});
    for (int j : new int[] {0, 2, 4}) {
      keys.put(HEAD + ".mask_embed." + j + ".weight", new long[] {c, c});
      keys.put(HEAD + ".mask_embed." + j + ".bias", new long[] {c});
    }
    return keys;
  }

  @Test
  void fullSizeDecoderHasIssueParameterCountsAndMmdetNames() {
    int c = 256;
    int f = 2048;
    int k = 19;
    // Per layer: two attentions 4C² + 4C (in_proj 3C² + 3C, out_proj C² + C), FFN 2CF + F + C,
    // three LayerNorms 3·2C; the decoder adds its post-norm 2C.
    long attention = 4L * c * c + 4L * c;
    long layer = 2 * attention + (2L * c * f + f + c) + 3 * 2L * c;
    long decoderHand = 9 * layer + 2L * c;
    // The rest: query_feat and query_embed 2·QC, level_embed 3C, cls_embed (C + 1)(K + 1),
    // mask_embed 3(C² + C).
    long restHand = 2L * 100 * c + 3L * c + (c + 1L) * (k + 1) + 3 * ((long) c * c + c);
    assertEquals(14_209_280L, decoderHand, "hand formula vs issue 15 (transformer decoder)");
    assertEquals(254_484L, restHand, "hand formula vs issue 15 (the rest)");
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      List<Operand<TFloat32>> memories = new ArrayList<>();
      for (int l = 0; l < 3; l++) {
        memories.add(placeholder(tf, -1, -1, -1, c));
      }
      Mask2FormerPredictions out = new Mask2FormerDecoder(HEAD, Mask2FormerDecoderConfig.reference(k))
          .apply(ctx, placeholder(tf, -1, -1, -1, c), memories);
      assertEquals(10, out.classLogits().size(), "before the first layer and after each of the 9");
      assertEquals(10, out.maskLogits().size());
      assertArrayEquals(new long[] {-1, 100, k + 1}, out.lastClassLogits().shape().asArray());
      assertArrayEquals(new long[] {-1, 100, -1, -1}, out.lastMaskLogits().shape().asArray());
      long decoder = 0;
      long rest = 0;
      Map<String, List<Long>> built = new TreeMap<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        if (v.name().startsWith(HEAD + ".transformer_decoder.")) {
          decoder += v.size();
        } else {
          rest += v.size();
        }
        built.put(v.name(), toList(v.shape().asArray()));
      }
      assertEquals(14_209_280L, decoder, "built transformer decoder");
      assertEquals(254_484L, rest, "built queries, level embedding, class and mask embeddings");
      Map<String, List<Long>> expected = new TreeMap<>();
      mmdetKeys(c, f, 100, 9, 3, k).forEach((name, torch) -> expected.put(name, toList(ours(name, torch))));
      assertEquals(expected, built, "names mirror mmdet's state dict; shapes are ours (linear [in, out])");
    }
  }

  @Test
  void initialValuesFollowMmdetInitWeightsAndPyTorchDefaults() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Ops tf = ctx.tf();
      List<Operand<TFloat32>> memories = new ArrayList<>();
      for (int l = 0; l < 3; l++) {
        memories.add(placeholder(tf, -1, -1, -1, 256));
      }
      new Mask2FormerDecoder(HEAD, Mask2FormerDecoderConfig.reference(19))
          .apply(ctx, placeholder(tf, -1, -1, -1, 256), memories);
      s.initialize();
      String layer = HEAD + ".transformer_decoder.layers.4.";
      // Mask2FormerHead.init_weights: xavier_normal_ on decoder parameters of rank > 1,
      // std = sqrt(2 / (fan_in + fan_out)).
      assertStd(Math.sqrt(2.0 / (256 + 768)), value(s, ctx, layer + "cross_attn.attn.in_proj_weight"), "in_proj");
      assertStd(Math.sqrt(2.0 / (256 + 256)), value(s, ctx, layer + "self_attn.attn.out_proj.weight"), "out_proj");
      assertStd(Math.sqrt(2.0 / (256 + 2048)), value(s, ctx, layer + "ffn.layers.0.0.weight"), "ffn fc1");
      // nn.MultiheadAttention._reset_parameters: projection biases 0.
      assertUniform(0, value(s, ctx, layer + "self_attn.attn.in_proj_bias"), "in_proj_bias");
      assertUniform(0, value(s, ctx, layer + "cross_attn.attn.out_proj.bias"), "out_proj.bias");
      // nn.Linear defaults, U(±1/sqrt(fan_in)): FFN biases, class and mask embeddings.
      assertUniform(1 / Math.sqrt(256), value(s, ctx, layer + "ffn.layers.0.0.bias"), "ffn fc1 bias");
      assertUniform(1 / Math.sqrt(2048), value(s, ctx, layer + "ffn.layers.1.bias"), "ffn fc2 bias");
      assertUniform(1 / Math.sqrt(256), value(s, ctx, HEAD + ".mask_embed.2.weight"), "mask_embed weight");
      assertUniform(1 / Math.sqrt(256), value(s, ctx, HEAD + ".mask_embed.4.bias"), "mask_embed bias");
      assertUniform(1 / Math.sqrt(256), value(s, ctx, HEAD + ".cls_embed.weight"), "cls_embed weight");
      // nn.Embedding: N(0, 1).
      assertStd(1, value(s, ctx, HEAD + ".query_feat.weight"), "query_feat");
      assertStd(1, value(s, ctx, HEAD + ".query_embed.weight"), "query_embed");
      for (float v : value(s, ctx, layer + "norms.2.weight")) {
        assertEquals(1f, v, "LayerNorm weight");
      }
    }
  }

  private static float[] value(Session s, GraphContext ctx, String name) {
    return FeedRun.on(s).fetch(read(ctx, name))[0];
  }

  /** Mean ≈ 0 and standard deviation within 5 % of {@code std}. */
  private static void assertStd(double std, float[] v, String what) {
    double mean = 0;
    double sq = 0;
    for (float x : v) {
      mean += x / (double) v.length;
      sq += (double) x * x / v.length;
    }
    double sd = Math.sqrt(sq - mean * mean);
    assertTrue(Math.abs(sd / std - 1) < 0.05, what + ": std " + sd + ", expected " + std);
    assertTrue(Math.abs(mean) < 5 * std / Math.sqrt(v.length), what + ": mean " + mean);
  }

  /** Every value within ±bound and, for a positive bound, the extremes near ±bound (a uniform fill). */
  private static void assertUniform(double bound, float[] v, String what) {
    double max = 0;
    for (float x : v) {
      assertTrue(Math.abs(x) <= bound * (1 + 1e-6), what + ": " + x + " beyond ±" + bound);
      max = Math.max(max, Math.abs(x));
    }
    assertTrue(bound == 0 || max > 0.9 * bound, what + ": largest |value| " + max + " for bound " + bound);
  }

  /** Our shape of a PyTorch entry: linear weights (and the fused in-projection) are transposed. */
  private static long[] ours(String name, long[] torch) {
    boolean table = name.endsWith("query_embed.weight") || name.endsWith("query_feat.weight")
        || name.endsWith("level_embed.weight");
    return torch.length == 2 && !table ? new long[] {torch[1], torch[0]} : torch;
  }

  private static List<Long> toList(long[] a) {
    List<Long> l = new ArrayList<>();
    for (long v : a) {
      l.add(v);
    }
    return l;
  }

  // ---- tiny decoder: forward and gradients ----

  private static final int C = 8;
  private static final int K = 3;
  private static final int Q = 4;
  private static final int[][] LEVELS = {{1, 2}, {2, 3}, {3, 4}}; // lowest resolution first
  private static final int MASK_H = 5;
  private static final int MASK_W = 6;

  private static Mask2FormerDecoderConfig tiny(int layers) {
    return new Mask2FormerDecoderConfig(K, C, 2, 16, Q, layers, 3);
  }

  /** The tiny decoder's graph on placeholders of unknown batch and spatial sizes. */
  private record Tiny(Operand<TFloat32> maskFeatures, List<Operand<TFloat32>> memories,
      Mask2FormerPredictions out, List<Operand<TFloat32>> fetches) {

    static Tiny build(GraphContext ctx, int layers) {
      Ops tf = ctx.tf();
      Operand<TFloat32> mf = placeholder(tf, -1, -1, -1, C);
      List<Operand<TFloat32>> mem = new ArrayList<>();
      for (int l = 0; l < 3; l++) {
        mem.add(placeholder(tf, -1, -1, -1, C));
      }
      Mask2FormerPredictions out = new Mask2FormerDecoder(HEAD, tiny(layers)).apply(ctx, mf, mem);
      List<Operand<TFloat32>> fetches = new ArrayList<>(out.classLogits());
      fetches.addAll(out.maskLogits());
      return new Tiny(mf, mem, out, fetches);
    }

    FeedRun feed(FeedRun run, int n, float[] mfValues, List<float[]> memValues) {
      run.feed(maskFeatures, Shape.of(n, MASK_H, MASK_W, C), mfValues);
      for (int l = 0; l < 3; l++) {
        run.feed(memories.get(l), Shape.of(n, LEVELS[l][0], LEVELS[l][1], C), memValues.get(l));
      }
      return run;
    }
  }

  private static List<float[]> memoryValues(int n, long seed) {
    List<float[]> values = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      values.add(uniform(n * LEVELS[l][0] * LEVELS[l][1] * C, seed + l));
    }
    return values;
  }

  /** Sample {@code b} of a row-major [N, h, w, C] array. */
  private static double[][][] map(float[] flat, int b, int h, int w) {
    double[][][] m = new double[h][w][C];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < C; c++) {
          m[y][x][c] = flat[((b * h + y) * w + x) * C + c];
        }
      }
    }
    return m;
  }

  /** The plain-Java predictions of sample {@code b}, flattened like the graph's fetches. */
  private static List<double[]> plainOutputs(PlainMask2Former plain, int b, float[] mf, List<float[]> mem) {
    List<double[][][]> memories = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      memories.add(map(mem.get(l), b, LEVELS[l][0], LEVELS[l][1]));
    }
    List<PlainMask2Former.Prediction> preds = plain.forward(map(mf, b, MASK_H, MASK_W), memories);
    List<double[]> out = new ArrayList<>();
    for (PlainMask2Former.Prediction p : preds) {
      double[] cls = new double[Q * (K + 1)];
      for (int q = 0; q < Q; q++) {
        System.arraycopy(p.classLogits()[q], 0, cls, q * (K + 1), K + 1);
      }
      out.add(cls);
    }
    for (PlainMask2Former.Prediction p : preds) {
      double[] masks = new double[Q * MASK_H * MASK_W]; // [Q, h, w]
      for (int q = 0; q < Q; q++) {
        for (int y = 0; y < MASK_H; y++) {
          for (int x = 0; x < MASK_W; x++) {
            masks[(q * MASK_H + y) * MASK_W + x] = p.maskLogits()[y][x][q];
          }
        }
      }
      out.add(masks);
    }
    return out;
  }

  @Test
  void tinyDecoderMatchesPlainJavaOverFourLayersAndTwoSamples() {
    int n = 2;
    int layers = 4; // layer 3 reads level 0 again
    float[] mf = uniform(n * MASK_H * MASK_W * C, 21);
    List<float[]> mem = memoryValues(n, 22);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Tiny tiny = Tiny.build(ctx, layers);
      assertEquals(2 * (layers + 1), tiny.fetches().size());
      try (StateDictFeeds weights = StateDictFeeds.random(ctx.variables(), 23)) {
        float[][] got = tiny.feed(FeedRun.on(s).weights(weights), n, mf, mem).fetch(tiny.fetches());
        PlainMask2Former plain = new PlainMask2Former(weights.ours(), HEAD, tiny(layers));
        for (int b = 0; b < n; b++) {
          List<double[]> expected = plainOutputs(plain, b, mf, mem);
          for (int i = 0; i < expected.size(); i++) {
            double[] e = expected.get(i);
            for (int j = 0; j < e.length; j++) {
              double actual = got[i][b * e.length + j];
              if (!(Math.abs(e[j] - actual) <= 1e-4 * Math.max(1, Math.abs(e[j])))) {
                fail((i <= layers ? "class logits of stage " + i : "mask logits of stage " + (i - layers - 1))
                    + ", sample " + b + ", index " + j + ": expected " + e[j] + ", found " + actual);
              }
            }
          }
        }
        // The comparison means something only if the masks block some keys and keep others, and
        // no resized logit sits so close to 0 that float32 and double could threshold it apart.
        assertTrue(plain.blockedFraction() > 0.1 && plain.blockedFraction() < 0.9,
            "masks exercised: blocked fraction " + plain.blockedFraction());
        assertTrue(plain.thresholdMargin() > 1e-3, "threshold margin " + plain.thresholdMargin());
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    int layers = 3; // every level is read (with 2 layers, level 2 would not reach the outputs)
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      Ops tf = ctx.tf();
      Tiny tiny = Tiny.build(ctx, layers);
      List<Operand<TFloat32>> flat = new ArrayList<>();
      for (Operand<TFloat32> f : tiny.fetches()) {
        flat.add(tf.reshape(f, tf.constant(new int[] {-1})));
      }
      Operand<TFloat32> y = tf.concat(flat, tf.constant(0));
      s.initialize();
      Map<String, float[]> weights = new LinkedHashMap<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        weights.put(v.name(), FeedRun.on(s).fetch(read(ctx, v.name()))[0]);
      }
      // The masks are step functions of the inputs: pick inputs whose resized mask logits all lie
      // at least 0.05 from the threshold, so the ±1e-3 steps below never flip a mask entry.
      PlainMask2Former plain = null;
      float[] mf = null;
      List<float[]> mem = null;
      for (long seed = 1; seed < 200 && (plain == null || plain.thresholdMargin() < 0.05); seed++) {
        mf = uniform(MASK_H * MASK_W * C, 100 * seed);
        mem = memoryValues(1, 100 * seed + 1);
        plain = new PlainMask2Former(weights, HEAD, tiny(layers));
        plainOutputs(plain, 0, mf, mem);
      }
      assertTrue(plain.thresholdMargin() >= 0.05, "no input far enough from the mask threshold");
      GradientCheck check = GradientCheck.on(g, s).eps(1e-3)
          .feed(tiny.maskFeatures(), Shape.of(1, MASK_H, MASK_W, C), mf);
      for (int l = 0; l < 3; l++) {
        check.feed(tiny.memories().get(l), Shape.of(1, LEVELS[l][0], LEVELS[l][1], C), mem.get(l));
      }
      List<Operand<TFloat32>> wrt = new ArrayList<>(tiny.memories());
      wrt.add(tiny.maskFeatures());
      wrt.add(read(ctx, HEAD + ".query_feat.weight"));
      wrt.add(read(ctx, HEAD + ".query_embed.weight"));
      wrt.add(read(ctx, HEAD + ".level_embed.weight"));
      wrt.add(read(ctx, HEAD + ".transformer_decoder.layers.1.cross_attn.attn.in_proj_weight"));
      check.check(y, wrt);
    }
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> read(GraphContext ctx, String name) {
    return (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
  }

  // ---- errors ----

  @Test
  void wrongInputsAreOneLineErrors() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      Mask2FormerDecoder decoder = new Mask2FormerDecoder(HEAD, tiny(2));
      Operand<TFloat32> mf = placeholder(tf, -1, -1, -1, C);
      DelineoException levels = assertThrows(DelineoException.class,
          () -> decoder.apply(ctx, mf, List.of(mf, mf)));
      assertEquals("decode_head: expected 3 memory levels (lowest resolution first), found 2", levels.getMessage());
      Operand<TFloat32> wide = placeholder(tf, -1, -1, -1, 2 * C);
      DelineoException width = assertThrows(DelineoException.class,
          () -> decoder.apply(ctx, mf, List.of(mf, wide, mf)));
      assertEquals("decode_head: expected memory level 1 as [N, h, w, 8], found shape [-1, -1, -1, 16]",
          width.getMessage());
    }
    DelineoException heads = assertThrows(DelineoException.class,
        () -> new Mask2FormerDecoderConfig(K, 10, 3, 16, Q, 2, 3));
    assertEquals("Mask2Former decoder: feat_channels must be a multiple of num_heads = 3 and of 4, found 10",
        heads.getMessage());
    DelineoException queries = assertThrows(DelineoException.class,
        () -> new Mask2FormerDecoderConfig(K, C, 2, 16, 0, 2, 3));
    assertEquals("Mask2Former decoder: num_queries must be positive, found 0", queries.getMessage());
  }
}
