package org.delineo.graph.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.PlainSegNeXt;
import org.delineo.graph.testing.PlainSegNeXt.Map3;
import org.delineo.graph.testing.StateDictFeeds;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * SegNeXt's LightHamHead against mmseg 1.2.2's {@code ham_head.py} and the SegNeXt MSCAN-B config:
 * the parameter count of reference-methods.md §0 and the state-dict keys; the EVAL forward
 * (resize to level 1 bilinear / align_corners False, squeeze, Hamburger with its ReLUs, align,
 * conv_seg) against {@link PlainSegNeXt} from fed weights and bases; and deterministic EVAL logits.
 */
class LightHamHeadTest {
  private static final int K = 19;
  /** mmseg 1.2.2 segnext_mscan-b decode head with 19 classes, §0 table. */
  private static final long MMSEG_HEAD_PARAMETERS = 1_291_283L;

  /** mmseg's LightHamHead keys: ConvModules with GN ('gn'), ham_in with bias and no norm, conv_seg. */
  private static final Set<String> MMSEG_KEYS = Set.of(
      "decode_head.conv_seg.weight", "decode_head.conv_seg.bias",
      "decode_head.squeeze.conv.weight", "decode_head.squeeze.gn.weight", "decode_head.squeeze.gn.bias",
      "decode_head.hamburger.ham_in.conv.weight", "decode_head.hamburger.ham_in.conv.bias",
      "decode_head.hamburger.ham_out.conv.weight", "decode_head.hamburger.ham_out.gn.weight",
      "decode_head.hamburger.ham_out.gn.bias",
      "decode_head.align.conv.weight", "decode_head.align.gn.weight", "decode_head.align.gn.bias");

  @Test
  void segnextBHeadHasMmsegsParameterCountAndKeys() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Operand<TFloat32> logits = LightHamHead.builder("decode_head", K).build().apply(ctx, mscanB(ctx));
      assertEquals(Shape.of(2, 16, 16, K), logits.shape(), "logits at level 1 (stride 8)");
      assertEquals(MMSEG_HEAD_PARAMETERS, ctx.variables().trainableParameterCount());
      Map<String, Shape> ours = new TreeMap<>();
      ctx.variables().all().forEach(v -> ours.put(v.name(), v.shape()));
      assertEquals(new java.util.TreeSet<>(MMSEG_KEYS), ours.keySet());
      // squeeze reads 128 + 320 + 512 = 960 channels; PyTorch [512, 960, 1, 1] -> [1, 1, 960, 512].
      assertEquals(Shape.of(1, 1, 960, 512), ours.get("decode_head.squeeze.conv.weight"));
      assertEquals(Shape.of(512), ours.get("decode_head.hamburger.ham_in.conv.bias"));
      assertEquals(Shape.of(1, 1, 512, K), ours.get("decode_head.conv_seg.weight"));
    }
  }

  @Test
  void proveWidth256IsSelectable() {
    // squeeze 960·256 + GN 2·256; ham_in 256² + 256; ham_out 256² + 2·256; align 256² + 2·256;
    // conv_seg 256·19 + 19.
    long expected = (960L * 256 + 512) + (65_536 + 256) + (65_536 + 512) + (65_536 + 512) + (256L * K + K);
    assertEquals(449_043L, expected);
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      LightHamHead.builder("decode_head", K).channels(256).hamChannels(256).build().apply(ctx, mscanB(ctx));
      assertEquals(expected, ctx.variables().trainableParameterCount());
    }
  }

  @Test
  void widthsMustBeMultiplesOfTheGroupNormGroups() {
    DelineoException e = assertThrows(DelineoException.class,
        () -> LightHamHead.builder("decode_head", K).hamChannels(48).build());
    assertTrue(e.getMessage().contains("48") && e.getMessage().contains("32"), e.getMessage());
    assertThrows(DelineoException.class, () -> LightHamHead.builder("decode_head", K).channels(100).build());
  }

  @Test
  void evalForwardMatchesPlainJavaFromFedWeightsAndBases() {
    int n = 2;
    int groups = 4;
    int ham = 12;
    int channels = 8;
    int classes = 5;
    int rank = 3;
    // Levels 1-3 of an odd-sized image: 5 x 7, 3 x 4, 2 x 2 (level 0 is not read).
    int[][] sizes = {{10, 13, 4}, {5, 7, 6}, {3, 4, 8}, {2, 2, 10}};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      List<Operand<TFloat32>> features = new ArrayList<>();
      List<float[]> values = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        features.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, sizes[i][0], sizes[i][1],
            sizes[i][2]))));
        values.add(Nmf2dTest.uniform(n * sizes[i][0] * sizes[i][1] * sizes[i][2], 30 + i, -2, 2));
      }
      Operand<TFloat32> logits = LightHamHead.builder("decode_head", classes).channels(channels).hamChannels(ham)
          .groups(groups).rank(rank).build().apply(ctx, features);
      assertEquals(Shape.of(n, 5, 7, classes), logits.shape());
      float[] bases = Nmf2dTest.uniform(n * ham * rank, 40, 0.05, 1); // any positive bases; fed, not drawn
      List<Tensor> fed = new ArrayList<>();
      try (StateDictFeeds weights = StateDictFeeds.random(ctx.variables(), 41)) {
        Session.Runner runner = weights.feed(s.runner());
        for (int i = 0; i < 4; i++) {
          TFloat32 t = Tensors.floats(features.get(i).shape(), values.get(i));
          fed.add(t);
          runner.feed(features.get(i), t);
        }
        TFloat32 b = Tensors.floats(Shape.of(n, ham, rank), bases);
        fed.add(b);
        runner.feed("decode_head.hamburger.ham.bases", b);
        try (Result r = runner.fetch(logits).run()) {
          float[] out = Tensors.toFloats(r.get(0));
          PlainSegNeXt plain = new PlainSegNeXt(weights.torchLayout());
          int per = 5 * 7 * classes;
          for (int img = 0; img < n; img++) {
            List<Map3> maps = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
              int size = sizes[i][0] * sizes[i][1] * sizes[i][2];
              maps.add(chw(values.get(i), img * size, sizes[i][0], sizes[i][1], sizes[i][2]));
            }
            double[][] sampleBases = new double[ham][rank];
            for (int d = 0; d < ham; d++) {
              for (int k = 0; k < rank; k++) {
                sampleBases[d][k] = bases[(img * ham + d) * rank + k];
              }
            }
            double[] expected = plain.head(maps, "decode_head", new int[] {1, 2, 3}, ham, channels, groups, classes,
                sampleBases, 7).toNhwc();
            float[] actual = Arrays.copyOfRange(out, img * per, (img + 1) * per);
            for (int i = 0; i < per; i++) {
              if (!(Math.abs(expected[i] - actual[i]) <= 1e-5 * Math.max(Math.abs(expected[i]), 1))) {
                fail("image " + img + " logit " + i + ": expected " + expected[i] + ", found " + actual[i]);
              }
            }
          }
        }
      } finally {
        fed.forEach(Tensor::close);
      }
    }
  }

  @Test
  void evalLogitsAreDeterministicAcrossRunsGraphSeedsAndBatchPositions() {
    float[][] features = {
      Nmf2dTest.uniform(2 * 8 * 8 * 4, 50, -1, 1), Nmf2dTest.uniform(2 * 4 * 4 * 8, 51, -1, 1),
      Nmf2dTest.uniform(2 * 2 * 2 * 8, 52, -1, 1), Nmf2dTest.uniform(2 * 1 * 1 * 16, 53, -1, 1)};
    Map<String, float[]> weights;
    float[] first;
    float[] second;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      TinyHead head = TinyHead.build(g, 7, 2);
      try (StateDictFeeds w = StateDictFeeds.random(head.ctx().variables(), 54)) {
        weights = w.ours();
        first = head.run(s, w, features);
        second = head.run(s, w, features);
      }
    }
    assertArrayEquals(first, second, "the same session twice");
    float[] otherGraph;
    float[] alone;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      TinyHead head = TinyHead.build(g, 8, 2); // another graph seed, another session, same weights
      try (StateDictFeeds w = StateDictFeeds.random(head.ctx().variables(), 54)) {
        assertEquals(weights.keySet(), w.ours().keySet());
        otherGraph = head.run(s, w, features);
      }
    }
    assertArrayEquals(first, otherGraph, "another graph and session");
    try (Graph g = new Graph(); Session s = new Session(g)) {
      TinyHead head = TinyHead.build(g, 7, 1);
      try (StateDictFeeds w = StateDictFeeds.random(head.ctx().variables(), 54)) {
        float[][] secondImage = new float[4][];
        int[] sizes = {8 * 8 * 4, 4 * 4 * 8, 2 * 2 * 8, 16};
        for (int i = 0; i < 4; i++) {
          secondImage[i] = Arrays.copyOfRange(features[i], sizes[i], 2 * sizes[i]);
        }
        alone = head.run(s, w, secondImage);
      }
    }
    // Same bases whatever the batch; only float rounding of batch-size-dependent kernels may differ.
    assertArrayEquals(Arrays.copyOfRange(first, first.length / 2, first.length), alone, 1e-5f,
        "the second image alone gives what it gave second in a batch of two");
  }

  /** A tiny head (GN 4, widths 8, rank 2) on four placeholder levels of batch n in EVAL. */
  private record TinyHead(GraphContext ctx, List<Operand<TFloat32>> features, Operand<TFloat32> logits) {
    static TinyHead build(Graph g, long seed, int n) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, seed);
      int[][] sizes = {{8, 4}, {4, 8}, {2, 8}, {1, 16}};
      List<Operand<TFloat32>> features = new ArrayList<>();
      for (int[] s : sizes) {
        features.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, s[0], s[0], s[1]))));
      }
      Operand<TFloat32> logits = LightHamHead.builder("decode_head", 3).channels(8).hamChannels(8).groups(4).rank(2)
          .build().apply(ctx, features);
      return new TinyHead(ctx, features, logits);
    }

    float[] run(Session s, StateDictFeeds weights, float[][] values) {
      List<Tensor> fed = new ArrayList<>();
      try {
        Session.Runner runner = weights.feed(s.runner());
        for (int i = 0; i < 4; i++) {
          TFloat32 t = Tensors.floats(Shape.of(features.get(i).shape().asArray()), values[i]);
          fed.add(t);
          runner.feed(features.get(i), t);
        }
        try (Result r = runner.fetch(logits).run()) {
          return Tensors.toFloats(r.get(0));
        }
      } finally {
        fed.forEach(Tensor::close);
      }
    }
  }

  /** MSCAN-B's four levels for a 128 x 128 image (batch 2): 64, 128, 320, 512 at strides 4-32. */
  private static List<Operand<TFloat32>> mscanB(GraphContext ctx) {
    int[] widths = {64, 128, 320, 512};
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int size = 32 >> i;
      out.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, size, size, widths[i]))));
    }
    return out;
  }

  /** Image {@code offset} of an NHWC array as a CHW map. */
  private static Map3 chw(float[] nhwc, int offset, int h, int w, int c) {
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
}
