package org.delineo.graph.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import org.delineo.graph.testing.MmsegSegFormerKeys;
import org.delineo.graph.testing.PlainSegFormer;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;
import org.delineo.graph.testing.TorchWeights;
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
 * mmseg's {@code SegformerHead}: the MiT-B3 head's parameter count (reference-methods.md §0) and
 * state-dict names, and the per-level ConvModules, the bilinear align_corners=False resize to the
 * first level (computed by hand in {@link PlainSegFormer#bilinear}: half-pixel centres, clamped at
 * 0 and at the last row/column as PyTorch), the concatenation order and the fusion equal to the
 * plain-Java head on tiny maps of odd sizes, for all four levels and for a subset.
 */
class SegformerHeadTest {
  private static final int K = 19;

  @Test
  void b3HeadHasMmsegParameterCountAndNames() {
    // convs: (64 + 128 + 320 + 512)·256 + 4·2·256; fusion: 4·256·256 + 2·256; conv_seg: 256·19 + 19.
    long hand = 1024L * 256 + 4 * 512 + 1024L * 256 + 512 + 256 * K + K;
    assertEquals(531_731L, hand, "hand count vs mmseg");
    Map<String, long[]> mmseg = MmsegSegFormerKeys.head(new int[] {64, 128, 320, 512}, 256, K, true);
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      List<Operand<TFloat32>> features = new ArrayList<>();
      int[] widths = {64, 128, 320, 512};
      for (int i = 0; i < 4; i++) {
        long s = 256 >> i;
        features.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, s, s, widths[i]))));
      }
      Operand<TFloat32> logits = SegformerHead.builder("decode_head", K).build().apply(ctx, features);
      assertArrayEquals(new long[] {-1, 256, 256, K}, logits.shape().asArray(), "logits at the first level's size");
      assertEquals(531_731L, ctx.variables().trainableParameterCount(), "built head vs mmseg (exact)");
      Map<String, String> built = new TreeMap<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        built.put(v.name(), v.shape().toString());
      }
      Map<String, String> expected = new TreeMap<>();
      mmseg.forEach((k, t) -> {
        if (!k.endsWith("num_batches_tracked")) { // a counter we do not keep (PretrainedNames ignores it)
          expected.put(k, (t.length == 4 ? Shape.of(t[2], t[3], t[1], t[0]) : Shape.of(t)).toString());
        }
      });
      assertEquals(expected, built);
    }
  }

  @Test
  void fourLevelsOfOddSizesFuseAsMmseg() {
    // Ceil-halved sizes as MiT's stride-2 patch embeddings give them: 7×9, 4×5, 2×3, 1×2.
    checkAgainstPlain(new int[][] {{7, 9}, {4, 5}, {2, 3}, {1, 2}}, new int[] {3, 4, 5, 6}, new int[] {0, 1, 2, 3});
  }

  @Test
  void anySubsetOfLevelsFusesAsMmseg() {
    // Two levels of a backbone with five: the first one read (level 1) sets the output size.
    checkAgainstPlain(new int[][] {{9, 9}, {6, 7}, {3, 4}, {2, 2}, {1, 1}}, new int[] {2, 3, 4, 5, 6},
        new int[] {1, 3});
  }

  @Test
  void rejectsNoLevelsAndNoChannels() {
    assertThrows(DelineoException.class, () -> SegformerHead.builder("decode_head", K).inIndices().build());
    assertThrows(DelineoException.class, () -> SegformerHead.builder("decode_head", K).channels(0).build());
  }

  /**
   * EVAL head (BN with random running statistics, no dropout) of width 5 on random maps equals
   * {@link PlainSegFormer#segformerHead} on the selected levels, to 1e-5 relative.
   */
  private static void checkAgainstPlain(int[][] sizes, int[] widths, int[] levels) {
    int channels = 5;
    int classes = 3;
    int[] read = new int[levels.length];
    for (int i = 0; i < levels.length; i++) {
      read[i] = widths[levels[i]];
    }
    Map<String, long[]> shapes = MmsegSegFormerKeys.head(read, channels, classes, true);
    Map<String, float[]> torch = TorchWeights.random(shapes, 41);
    Random random = new Random(42);
    List<FeatureMap> plainLevels = new ArrayList<>();
    List<float[]> values = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      float[] v = new float[sizes[i][0] * sizes[i][1] * widths[i]];
      double[] d = new double[v.length];
      for (int e = 0; e < v.length; e++) {
        v[e] = (float) random.nextGaussian();
        d[e] = v[e];
      }
      values.add(v);
      plainLevels.add(new FeatureMap(sizes[i][0], sizes[i][1], widths[i], d));
    }
    List<FeatureMap> selected = new ArrayList<>();
    for (int level : levels) {
      selected.add(plainLevels.get(level));
    }
    FeatureMap want = new PlainSegFormer(torch).segformerHead(selected, "decode_head.", channels, classes);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 3);
      List<Operand<TFloat32>> features = new ArrayList<>();
      for (int i = 0; i < sizes.length; i++) {
        features.add(ctx.tf().placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(1, sizes[i][0], sizes[i][1], widths[i]))));
      }
      Operand<TFloat32> logits = SegformerHead.builder("decode_head", classes).inIndices(levels).channels(channels)
          .build().apply(ctx, features);
      s.initialize();
      TorchWeights.assign(ctx, s, "", torch, shapes);
      List<Tensor> fed = new ArrayList<>();
      try {
        Session.Runner runner = s.runner();
        for (int i = 0; i < sizes.length; i++) {
          TFloat32 t = Tensors.floats(Shape.of(1, sizes[i][0], sizes[i][1], widths[i]), values.get(i));
          fed.add(t);
          runner.feed(features.get(i), t);
        }
        try (Result r = runner.fetch(logits).run()) {
          assertArrayEquals(new long[] {1, want.h(), want.w(), classes}, r.get(0).shape().asArray());
          float[] got = Tensors.toFloats(r.get(0));
          for (int e = 0; e < got.length; e++) {
            assertEquals(want.v()[e], got[e], 1e-5 * Math.max(1, Math.abs(want.v()[e])), "logit " + e);
          }
        }
      } finally {
        fed.forEach(Tensor::close);
      }
    }
  }
}
