package org.delineo.graph.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.ChannelDropout;
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
 * Decode heads: full-size parameter counts against mmseg 1.2.2's numbers (reference-methods.md §0)
 * and hand formulas, mmseg state-dict names, and tiny TRAIN forwards whose gradients reach every
 * trainable variable.
 */
class DecodeHeadsTest {
  private static final int K = 19;

  /** ConvModule: conv without bias + BN weight and bias. */
  private static long convModule(long k, long in, long out) {
    return k * k * in * out + 2 * out;
  }

  /** DepthwiseSeparableConvModule: depthwise k×k + BN(in), pointwise 1×1 + BN(out). */
  private static long separable(long k, long in, long out) {
    return k * k * in + 2 * in + in * out + 2 * out;
  }

  /** conv_seg: 1×1 with bias. */
  private static long convSeg(long in) {
    return in * K + K;
  }

  private static List<Operand<TFloat32>> resnetFeatures(GraphContext ctx, long n, long size) {
    // ResNet-D8 levels: 256 at stride 4, then 512, 1024, 2048 at stride 8 (dilated stages).
    long[] widths = {256, 512, 1024, 2048};
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long s = i == 0 ? 2 * size : size;
      out.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, s, s, widths[i]))));
    }
    return out;
  }

  private static long countParameters(Function<GraphContext, List<Operand<TFloat32>>> features,
      DecodeHead head, Shape expectedLogits) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 1);
      Operand<TFloat32> logits = head.apply(ctx, features.apply(ctx));
      assertEquals(expectedLogits, logits.shape(), "static logits shape");
      return ctx.variables().trainableParameterCount();
    }
  }

  @Test
  void deepLabV3PlusHeadHasMmsegParameterCount() {
    long imagePool = convModule(1, 2048, 512);
    long aspp = convModule(1, 2048, 512) + 3 * separable(3, 2048, 512);
    long bottleneck = convModule(3, 5 * 512, 512);
    long c1 = convModule(1, 256, 48);
    long sep = separable(3, 512 + 48, 512) + separable(3, 512, 512);
    long formula = imagePool + aspp + bottleneck + c1 + sep + convSeg(512);
    assertEquals(17_697_923L, formula, "hand formula vs mmseg table");
    long built = countParameters(ctx -> resnetFeatures(ctx, 1, 8),
        DepthwiseSeparableAsppHead.builder("decode_head", K).build(), Shape.of(1, 16, 16, K));
    assertEquals(17_697_923L, built, "built DepthwiseSeparableASPPHead vs mmseg table");
  }

  @Test
  void pspHeadHasMmsegParameterCount() {
    long formula = 4 * convModule(1, 2048, 512) + convModule(3, 2048 + 4 * 512, 512) + convSeg(512);
    assertEquals(23_083_539L, formula, "hand formula vs mmseg table");
    long built = countParameters(ctx -> resnetFeatures(ctx, 1, 8),
        PspHead.builder("decode_head", K).build(), Shape.of(1, 8, 8, K));
    assertEquals(23_083_539L, built, "built PSPHead vs mmseg table");
  }

  @Test
  void auxiliaryFcnHeadHasMmsegParameterCount() {
    long formula = convModule(3, 1024, 256) + convSeg(256);
    assertEquals(2_364_691L, formula, "hand formula vs mmseg table");
    long built = countParameters(ctx -> resnetFeatures(ctx, 1, 8),
        FcnHead.builder("auxiliary_head", K).build(), Shape.of(1, 8, 8, K));
    assertEquals(2_364_691L, built, "built auxiliary FCNHead vs mmseg table");
  }

  @Test
  void hrnetFcnHeadReadsAllLevelsWithResizeConcatAndHasMmsegParameterCount() {
    long formula = convModule(1, 720, 720) + convSeg(720);
    assertEquals(533_539L, formula, "hand formula vs mmseg table");
    long[] widths = {48, 96, 192, 384};
    long built = countParameters(ctx -> {
      List<Operand<TFloat32>> f = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        long s = 16 >> i;
        f.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, s, s, widths[i]))));
      }
      return f;
    }, FcnHead.builder("decode_head", K).inIndices(0, 1, 2, 3).channels(720).numConvs(1)
        .kernel(1).concatInput(false).dropout(-1f).build(), Shape.of(1, 16, 16, K));
    assertEquals(533_539L, built, "built HRNetV2 FCNHead vs mmseg table");
  }

  @Test
  void variablesCarryMmsegStateDictNames() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 1);
      List<Operand<TFloat32>> f = tinyFeatures(ctx, 1, -1);
      DepthwiseSeparableAsppHead.builder("decode_head", 3).channels(8).c1Channels(4)
          .dilations(1, 2, 3).build().apply(ctx, f);
      PspHead.builder("psp_head", 3).channels(8).build().apply(ctx, f);
      FcnHead.builder("auxiliary_head", 3).channels(8).numConvs(2).concatInput(true).build()
          .apply(ctx, f);
      for (String name : List.of(
          "decode_head.image_pool.1.conv.weight", "decode_head.image_pool.1.bn.weight",
          "decode_head.aspp_modules.0.conv.weight",
          "decode_head.aspp_modules.1.depthwise_conv.conv.weight",
          "decode_head.aspp_modules.2.pointwise_conv.bn.running_var",
          "decode_head.bottleneck.conv.weight", "decode_head.bottleneck.bn.bias",
          "decode_head.c1_bottleneck.conv.weight",
          "decode_head.sep_bottleneck.0.depthwise_conv.conv.weight",
          "decode_head.sep_bottleneck.1.pointwise_conv.bn.weight",
          "decode_head.conv_seg.weight", "decode_head.conv_seg.bias",
          "psp_head.psp_modules.3.1.conv.weight", "psp_head.psp_modules.0.1.bn.running_mean",
          "psp_head.bottleneck.conv.weight", "psp_head.conv_seg.bias",
          "auxiliary_head.convs.0.conv.weight", "auxiliary_head.convs.1.bn.weight",
          "auxiliary_head.conv_cat.conv.weight", "auxiliary_head.conv_seg.weight")) {
        assertTrue(ctx.variables().find(name).isPresent(), "missing variable " + name);
      }
      assertFalse(ctx.variables().find("decode_head.bottleneck.conv.bias").isPresent(),
          "ConvModule convs have no bias");
      assertEquals(Shape.of(3, 3, 16, 1),
          ctx.variables().find("decode_head.aspp_modules.1.depthwise_conv.conv.weight")
              .orElseThrow().shape(), "depthwise kernel [3, 3, in, 1]");
      assertEquals(Shape.of(3, 3, 4 * 8, 8),
          ctx.variables().find("decode_head.bottleneck.conv.weight").orElseThrow().shape(),
          "bottleneck reads image pool + 3 ASPP branches");
      assertEquals(Shape.of(3, 3, 8 + 4, 1),
          ctx.variables().find("decode_head.sep_bottleneck.0.depthwise_conv.conv.weight")
              .orElseThrow().shape(),
          "sep bottleneck reads ASPP output + c1");
      assertEquals(Shape.of(3, 3, 14 + 8, 8),
          ctx.variables().find("auxiliary_head.conv_cat.conv.weight").orElseThrow().shape(),
          "conv_cat reads input + convs output");
    }
  }

  /** c1 [n, 16, 16, 8], then 12, 14, 16 channels at 8×8 (or unknown spatial sizes). */
  private static List<Operand<TFloat32>> tinyFeatures(GraphContext ctx, long n, long unknown) {
    long[] widths = {8, 12, 14, 16};
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long s = unknown < 0 ? (i == 0 ? 16 : 8) : -1;
      out.add(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, s, s, widths[i]))));
    }
    return out;
  }

  private static TFloat32 randomTensor(Shape shape, long seed) {
    Random r = new Random(seed);
    float[] v = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Tensors.floats(shape, v);
  }

  /** Builds the head in TRAIN on N = 2 tiny features, runs logits and every gradient. */
  private static void assertForwardAndGradients(DecodeHead head, Shape expected) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      List<Operand<TFloat32>> f = tinyFeatures(ctx, 2, -1);
      Operand<TFloat32> logits = head.apply(ctx, f);
      assertEquals(expected, logits.shape(), "static logits shape");
      List<ModelVariable<TFloat32>> trainable = ctx.variables().trainable();
      Operand<TFloat32> loss = ctx.tf().math.mean(
          ctx.tf().math.square(logits), ctx.tf().constant(new int[] {0, 1, 2, 3}));
      Output<?>[] wrt = trainable.stream().map(v -> v.value().asOutput()).toArray(Output<?>[]::new);
      Output<?>[] grads = g.addGradients(loss.asOutput(), wrt);
      s.initialize();
      List<TFloat32> inputs = new ArrayList<>();
      try {
        Session.Runner runner = s.runner();
        for (int i = 0; i < f.size(); i++) {
          TFloat32 t = randomTensor(f.get(i).shape(), 10 + i);
          inputs.add(t);
          runner.feed(f.get(i), t);
        }
        runner.fetch(logits);
        for (int i = 0; i < grads.length; i++) {
          assertFalse(grads[i] == null || grads[i].isClosed(),
              "no gradient reaches " + trainable.get(i).name());
          runner.fetch(grads[i]);
        }
        try (Result res = runner.run()) {
          assertEquals(expected, res.get(0).shape(), "run-time logits shape");
          for (int i = 0; i < grads.length; i++) {
            double norm = 0;
            for (float v : Tensors.toFloats(res.get(i + 1))) {
              assertTrue(Float.isFinite(v), "finite gradient of " + trainable.get(i).name());
              norm += v * v;
            }
            assertTrue(norm > 0, "non-zero gradient of " + trainable.get(i).name());
          }
        }
      } finally {
        inputs.forEach(TFloat32::close);
      }
    }
  }

  @Test
  void tinyDeepLabV3PlusForwardAtC1ResolutionWithGradientsEverywhere() {
    assertForwardAndGradients(DepthwiseSeparableAsppHead.builder("decode_head", 5).channels(8)
        .c1Channels(4).dilations(1, 2, 3).build(), Shape.of(2, 16, 16, 5));
  }

  @Test
  void tinyPspForwardWithGradientsEverywhere() {
    assertForwardAndGradients(PspHead.builder("decode_head", 5).channels(8).build(),
        Shape.of(2, 8, 8, 5));
  }

  @Test
  void tinyFcnForwardsWithGradientsEverywhere() {
    assertForwardAndGradients(FcnHead.builder("auxiliary_head", 5).channels(6).build(),
        Shape.of(2, 8, 8, 5));
    assertForwardAndGradients(FcnHead.builder("decode_head", 5).inIndices(0, 1, 2, 3)
        .channels(10).numConvs(2).kernel(1).concatInput(true).dropout(-1f).build(),
        Shape.of(2, 16, 16, 5));
  }

  @Test
  void unknownSpatialSizesAreResolvedAtRunTime() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 3);
      List<Operand<TFloat32>> f = tinyFeatures(ctx, -1, 1);
      Operand<TFloat32> aspp = DepthwiseSeparableAsppHead.builder("a", 5).channels(8)
          .c1Channels(4).dilations(1, 2).build().apply(ctx, f);
      Operand<TFloat32> psp = PspHead.builder("p", 5).channels(8).build().apply(ctx, f);
      s.initialize();
      long[][] sizes = {{1, 18, 22, 8}, {1, 9, 11, 12}, {1, 9, 11, 14}, {1, 9, 11, 16}};
      List<TFloat32> inputs = new ArrayList<>();
      try {
        Session.Runner runner = s.runner();
        for (int i = 0; i < 4; i++) {
          TFloat32 t = randomTensor(Shape.of(sizes[i]), i);
          inputs.add(t);
          runner.feed(f.get(i), t);
        }
        try (Result r = runner.fetch(aspp).fetch(psp).run()) {
          assertEquals(Shape.of(1, 18, 22, 5), r.get(0).shape(), "ASPP logits at c1 size");
          assertEquals(Shape.of(1, 9, 11, 5), r.get(1).shape(), "PSP logits at level-3 size");
        }
      } finally {
        inputs.forEach(TFloat32::close);
      }
    }
  }

  @Test
  void dynamicAdaptivePoolingMatchesPyTorchBins() {
    // PyTorch AdaptiveAvgPool2d: bin i of b over length L covers [floor(iL/b), ceil((i+1)L/b)).
    int h = 7;
    int w = 5;
    int c = 2;
    int bins = 3;
    float[] x = new float[h * w * c];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(1.3 * i);
    }
    float[] expected = new float[bins * bins * c];
    forEachBinCell(h, w, bins, (bin, cell, weight) -> {
      for (int ch = 0; ch < c; ch++) {
        expected[bin * c + ch] += (float) (weight * x[cell * c + ch]);
      }
    });
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 3);
      Operand<TFloat32> in =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, -1, -1, c)));
      Operand<TFloat32> pooled = HeadOps.adaptiveAvgPool(ctx.tf(), in, bins);
      try (TFloat32 t = Tensors.floats(Shape.of(1, h, w, c), x);
          Result r = s.runner().feed(in, t).fetch(pooled).run()) {
        assertEquals(Shape.of(1, bins, bins, c), r.get(0).shape(), "pooled shape");
        float[] actual = Tensors.toFloats(r.get(0));
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], actual[i], 1e-5, "bin value " + i + " (tolerance 1e-5)");
        }
      }
    }
  }

  @Test
  void dynamicAdaptivePoolingGradientSpreadsEachBinsWeightOverItsCells() {
    // d/dx Σ pooled·R at cell (r, q, ch) = Σ over bins (i, j) holding it of R[i, j, ch] / area(i, j).
    int h = 7;
    int w = 5;
    int c = 2;
    int bins = 3;
    float[] r = new float[bins * bins * c];
    for (int i = 0; i < r.length; i++) {
      r[i] = (float) Math.cos(0.7 * i);
    }
    float[] expected = new float[h * w * c];
    forEachBinCell(h, w, bins, (bin, cell, weight) -> {
      for (int ch = 0; ch < c; ch++) {
        expected[cell * c + ch] += (float) (weight * r[bin * c + ch]);
      }
    });
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> in = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, -1, -1, c)));
      Operand<TFloat32> pooled = HeadOps.adaptiveAvgPool(ctx.tf(), in, bins);
      Operand<TFloat32> loss = ctx.tf().reduceSum(
          ctx.tf().math.mul(pooled, ctx.tf().constant(Shape.of(1, bins, bins, c), org.tensorflow.ndarray.buffer.DataBuffers.of(r))),
          ctx.tf().constant(new int[] {0, 1, 2, 3}));
      Output<?>[] grad = g.addGradients(loss.asOutput(), new Output<?>[] {in.asOutput()});
      try (TFloat32 t = Tensors.floats(Shape.of(1, h, w, c), new float[h * w * c]);
          Result res = s.runner().feed(in, t).fetch(grad[0]).run()) {
        float[] actual = Tensors.toFloats((TFloat32) res.get(0));
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], actual[i], 1e-6, "gradient " + i + " (tolerance 1e-6)");
        }
      }
    }
  }

  /**
   * PyTorch AdaptiveAvgPool2d along one axis: bin i of b over length L covers [floor(iL/b),
   * ceil((i+1)L/b)); weights[i][l] is 1 / (its cell count) inside it, 0 outside.
   */
  /** One adaptive bin (i, j) as {@code bin = i·bins + j}, one input cell (r, q) as {@code cell = r·w + q}. */
  private interface BinCell {
    void at(int bin, int cell, double weight);
  }

  /**
   * Visits every bin and input cell with PyTorch's weight of that cell in that bin's average (0 for
   * cells outside it): the averaging both the forward and the gradient reference need.
   */
  private static void forEachBinCell(int h, int w, int bins, BinCell visit) {
    double[][] rows = binWeights(h, bins);
    double[][] cols = binWeights(w, bins);
    for (int i = 0; i < bins; i++) {
      for (int j = 0; j < bins; j++) {
        for (int r = 0; r < h; r++) {
          for (int q = 0; q < w; q++) {
            visit.at(i * bins + j, r * w + q, rows[i][r] * cols[j][q]);
          }
        }
      }
    }
  }

  private static double[][] binWeights(int length, int bins) {
    double[][] weights = new double[bins][length];
    for (int i = 0; i < bins; i++) {
      int start = i * length / bins;
      int end = ((i + 1) * length + bins - 1) / bins;
      for (int l = start; l < end; l++) {
        weights[i][l] = 1.0 / (end - start);
      }
    }
    return weights;
  }

  @Test
  void channelDropoutDropsWholeChannelsInTrainOnly() {
    Shape shape = Shape.of(2, 4, 4, 16);
    float[] ones = new float[(int) shape.size()];
    java.util.Arrays.fill(ones, 1f);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext train = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> in = train.tf().placeholder(TFloat32.class, Placeholder.shape(shape));
      ChannelDropout dropout = new ChannelDropout("head.dropout", 0.5f);
      Operand<TFloat32> dropped = dropout.apply(train, in);
      // EVAL returns the placeholder itself, which cannot be fed and fetched: fetch an identity.
      Operand<TFloat32> evalOut = train.tf().identity(dropout.apply(train.withMode(Mode.EVAL), in));
      try (TFloat32 t = Tensors.floats(shape, ones);
          Result r = s.runner().feed(in, t).fetch(dropped).fetch(evalOut).run()) {
        float[] y = Tensors.toFloats(r.get(0));
        int zeros = 0;
        for (int n = 0; n < 2; n++) {
          for (int ch = 0; ch < 16; ch++) {
            float first = y[(n * 16) * 16 + ch];
            assertTrue(first == 0f || first == 2f, "kept values scaled by 1/(1-0.5) = 2");
            zeros += first == 0f ? 1 : 0;
            for (int p = 0; p < 16; p++) {
              assertEquals(first, y[(n * 16 + p) * 16 + ch], 0f, "one mask value per (n, c)");
            }
          }
        }
        // 32 Bernoulli(0.5) draws: all kept or all dropped has probability 2^-31.
        assertTrue(zeros > 0 && zeros < 32, "some but not all channels dropped, found " + zeros);
        for (float v : Tensors.toFloats(r.get(1))) {
          assertEquals(1f, v, 0f, "EVAL passes the input through");
        }
      }
    }
  }

  @Test
  void userErrorsNameTheProblem() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 3);
      List<Operand<TFloat32>> f = tinyFeatures(ctx, 1, -1);
      Exception missing = assertThrows(org.delineo.graph.DelineoException.class,
          () -> PspHead.builder("decode_head", 3).inIndex(4).build().apply(ctx, f));
      assertTrue(missing.getMessage().contains("level 4"), missing.getMessage());
      assertThrows(ShapeMismatchException.class,
          () -> FcnHead.builder("aux", 3).numConvs(0).channels(7).build().apply(ctx, f));
      assertThrows(org.delineo.graph.DelineoException.class,
          () -> FcnHead.builder("aux", 3).kernel(2).build());
    }
  }
}
