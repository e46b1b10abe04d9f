package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertAppliedTwiceSharesVariables;
import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.gradientCheckLayer;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.delineo.graph.Conv2dOps;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Mode;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Conv2d against plain-Java loops (tolerance 1e-4) and finite differences (GradientCheck's default
 * scaled error 1e-2).
 */
class Conv2dTest {
  /** Forward comparisons: float32 sums of at most a few hundred products of values in [-1, 1]·He. */
  private static final double FORWARD_TOL = 1e-4;

  @Test
  void strideTwoSameMatchesJavaLoop() {
    // H = 6 with k 3, s 2 pads 0 before / 1 after; W = 5 pads 1 / 1: both TF SAME cases.
    int[] rows = ReferenceConvolutions.sameOutAndPadBefore(6, 3, 2);
    int[] cols = ReferenceConvolutions.sameOutAndPadBefore(5, 3, 2);
    assertEquals(0, rows[1]);
    assertEquals(1, cols[1]);
    Conv2d conv = Conv2d.builder("conv", 4).kernel(3).stride(2).padding(Padding.SAME).build();
    checkForward(conv, new int[] {2, 6, 5, 3}, 3, 3, 4, 2, 1, rows[1], cols[1], rows[0], cols[0]);
  }

  @Test
  void explicitPaddingMatchesJavaLoop() {
    Conv2d asymmetric =
        Conv2d.builder("conv", 3).kernel(3).padding(Padding.explicit(1, 0, 2, 1)).build();
    // rows 4 + 1 + 0 - 2 = 3, cols 5 + 2 + 1 - 2 = 6
    checkForward(asymmetric, new int[] {1, 4, 5, 2}, 3, 3, 3, 1, 1, 1, 2, 3, 6);
    Conv2d strided = Conv2d.builder("conv", 3).kernel(3).stride(2).padding(Padding.of(1)).build();
    // PyTorch: floor((5 + 2 - 3) / 2) + 1 = 3 both ways
    checkForward(strided, new int[] {1, 5, 5, 2}, 3, 3, 3, 2, 1, 1, 1, 3, 3);
  }

  @Test
  void pytorchPaddingThatSameReproducesSkipsThePadCopy() {
    // k 3, padding 1: stride 1 always pads 1 / 1 like SAME; stride 2 does on odd sizes (5 -> 1 / 1)
    // but not on even ones (SAME pads 6 as 0 / 1), where the generic Conv pads EXPLICIT (Conv2D:
    // a Pad op, then VALID).
    Conv2d s1 = Conv2d.builder("s1", 3).kernel(3).padding(Padding.of(1)).build();
    assertEquals(List.of("SAME"), convPaddings(s1, 1, 4, 5, 2));
    checkForward(s1, new int[] {1, 4, 5, 2}, 3, 3, 3, 1, 1, 1, 1, 4, 5);
    Conv2d odd = Conv2d.builder("odd", 3).kernel(3).stride(2).padding(Padding.of(1)).build();
    assertEquals(List.of("SAME"), convPaddings(odd, 1, 5, 7, 2));
    checkForward(odd, new int[] {1, 5, 7, 2}, 3, 3, 3, 2, 1, 1, 1, 3, 4);
    Conv2d even = Conv2d.builder("even", 3).kernel(3).stride(2).padding(Padding.of(1)).build();
    assertEquals(List.of("EXPLICIT"), convPaddings(even, 1, 6, 6, 2));
    checkForward(even, new int[] {1, 6, 6, 2}, 3, 3, 3, 2, 1, 1, 1, 3, 3);
    // Asymmetric amounts SAME never pads, and strided unknown sizes: explicit. At stride 1 SAME pads
    // k - 1 whatever the size, so unknown sizes still get it.
    assertEquals(List.of("EXPLICIT"),
        convPaddings(Conv2d.builder("a", 3).kernel(3).padding(Padding.explicit(1, 0, 1, 1)).build(), 1, 4, 4, 2));
    assertEquals(List.of("EXPLICIT"),
        convPaddings(Conv2d.builder("u2", 3).kernel(3).stride(2).padding(Padding.of(1)).build(), -1, -1, -1, 2));
    assertEquals(List.of("SAME"),
        convPaddings(Conv2d.builder("u", 3).kernel(3).padding(Padding.of(1)).build(), -1, -1, -1, 2));
    assertEquals(List.of("SAME"),
        convPaddings(DepthwiseConv2d.builder("du").dilation(2).build(), -1, -1, -1, 2));
    // Padding 1 at rate 3 is not a multiple of the rate: SpaceToBatchND pads, the inner one is VALID.
    assertEquals(List.of("VALID"),
        convPaddings(DepthwiseConv2d.builder("d3").dilation(3).padding(Padding.of(1)).build(), 1, 5, 6, 2));
    checkGradients(Conv2d.builder("g", 3).kernel(3).padding(Padding.of(1)).build(), 1, 4, 5, 2);
    checkGradients(even, 1, 6, 6, 2);
    checkGradients(Conv2d.builder("a2", 3).kernel(3).stride(2).padding(Padding.explicit(1, 0, 2, 1)).build(), 2, 5, 6, 2);
  }

  @Test
  void depthwiseAndConv3dSkipThePadCopyToo() {
    assertEquals(List.of("SAME"),
        convPaddings(DepthwiseConv2d.builder("dw").kernel(3).padding(Padding.of(1)).build(), 1, 4, 5, 2));
    assertEquals(List.of("SAME"),
        convPaddings(Conv3d.builder("c3", 2).padding(Padding.of(1)).build(), 1, 3, 4, 5, 2));
  }

  /** "Pad" if the layer pads with an op, then the padding attribute of each convolution it builds. */
  private static <L extends Module & Layer> List<String> convPaddings(L layer, long... inShape) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      layer.apply(ctx, placeholder(ctx, inShape));
      List<String> out = new ArrayList<>();
      for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.type().startsWith("Pad")) {
          out.add(0, "Pad");
        } else if (op.type().startsWith("Conv") || op.type().startsWith("Depthwise")) {
          out.add(op.attributes().getAttrString("padding"));
        }
      }
      return out;
    }
  }

  @Test
  void atrousSameMatchesDilatedJavaLoop() {
    // SAME with rate r and a 3×3 kernel pads r on each side and keeps the size; odd sizes included.
    checkForward(Conv2d.builder("a", 3).kernel(3).dilation(2).build(),
        new int[] {1, 6, 6, 2}, 3, 3, 3, 1, 2, 2, 2, 6, 6);
    checkForward(Conv2d.builder("b", 3).kernel(3).dilation(2).build(),
        new int[] {2, 5, 7, 2}, 3, 3, 3, 1, 2, 2, 2, 5, 7);
    checkForward(Conv2d.builder("c", 3).kernel(3).dilation(3).build(),
        new int[] {1, 7, 5, 2}, 3, 3, 3, 1, 3, 3, 3, 7, 5);
    // 3×2 kernel at rate 3: effective 7×4, SAME pads 3/3 rows, 1/2 columns.
    checkForward(Conv2d.builder("d", 2).kernel(3, 2).dilation(3).build(),
        new int[] {1, 5, 7, 2}, 3, 2, 2, 1, 3, 3, 1, 5, 7);
  }

  @Test
  void atrousValidAndExplicitMatchDilatedJavaLoop() {
    // VALID, rate 2, k 3: effective 5, so 7×6 -> 3×2.
    checkForward(Conv2d.builder("v", 2).kernel(3).dilation(2).padding(Padding.VALID).build(),
        new int[] {1, 7, 6, 2}, 3, 3, 2, 1, 2, 0, 0, 3, 2);
    // Explicit 1 on each side, rate 3: 5 + 2 - 6 = 1 row, 6 + 2 - 6 = 2 columns.
    checkForward(Conv2d.builder("e", 2).kernel(3).dilation(3).padding(Padding.of(1)).build(),
        new int[] {1, 5, 6, 2}, 3, 3, 2, 1, 3, 1, 1, 1, 2);
  }

  @Test
  void atrousWhereTapsReadOnlyPaddingMatchesDilatedJavaLoop() {
    // Rate 4 on 3×3: only the centre tap ever reads the image (a 1×1 convolution).
    checkForward(Conv2d.builder("far", 2).kernel(3).dilation(4).build(),
        new int[] {1, 3, 3, 2}, 3, 3, 2, 1, 4, 4, 4, 3, 3);
    // Rate 3 on 4×2: every row tap, only the centre column tap (block 3 × 1).
    checkForward(Conv2d.builder("mixed", 2).kernel(3).dilation(3).build(),
        new int[] {2, 4, 2, 2}, 3, 3, 2, 1, 3, 3, 3, 4, 2);
    // Explicit (4, 0) rows at rate 2 on 2 rows: only the last row tap reads the image; columns
    // pad 1, not a multiple of the rate, so they are padded before SpaceToBatchND. 2 × 1 out.
    checkForward(Conv2d.builder("ends", 2).kernel(3).dilation(2).padding(Padding.explicit(4, 0, 1, 1)).build(),
        new int[] {1, 2, 3, 2}, 3, 3, 2, 1, 2, 4, 1, 2, 1);
    // Uneven zeros that are multiples of the rate: padded inside the sub-images. 3 × 6 out.
    checkForward(Conv2d.builder("uneven", 2).kernel(3).dilation(2).padding(Padding.explicit(2, 0, 4, 2)).build(),
        new int[] {1, 5, 4, 2}, 3, 3, 2, 1, 2, 2, 4, 3, 6);
  }

  @Test
  void atrousPadsOnlyToAMultipleOfTheRateAndDropsTapsThatReadOnlyPadding() {
    // DeepLabV3+'s ASPP at rate 36 on a 64² map: sub-images of ceil(64 / 36) = 2 rows, padded by the
    // inner convolution; atrous_conv2d would pad the image to 144² first (sub-images of 4).
    assertEquals(List.of(Shape.of(36 * 36, 2, 2, 2)),
        spaceToBatchShapes(Conv2d.builder("aspp", 2).dilation(36).build(), 1, 64, 64, 2));
    // The same layer on a 32² map: no tap but the centre one reads the image, no reshuffling.
    assertEquals(List.of(), spaceToBatchShapes(Conv2d.builder("aspp", 2).dilation(36).build(), 1, 32, 32, 2));
    assertEquals(List.of(Shape.of(36 * 36, 2, 2, 2)),
        spaceToBatchShapes(DepthwiseConv2d.builder("aspp").dilation(36).build(), 1, 64, 64, 2));
  }

  private static <L extends Module & Layer> List<Shape> spaceToBatchShapes(L layer, long... inShape) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      layer.apply(ctx, placeholder(ctx, inShape));
      List<Shape> out = new ArrayList<>();
      for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.type().equals("SpaceToBatchND")) {
          out.add(op.output(0).shape());
        }
      }
      return out;
    }
  }

  @Test
  void atrousUsesSpaceToBatchAndNeverTheDilationsAttribute() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Conv2d.builder("aspp", 2).dilation(2).build().apply(ctx, placeholder(ctx, 1, 5, 5, 2));
      boolean spaceToBatch = false;
      for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        spaceToBatch |= op.type().equals("SpaceToBatchND");
        if (op.type().equals("Conv2D")) {
          assertArrayEquals(new long[] {1, 1, 1, 1}, op.attributes().getAttrIntList("dilations"));
        }
      }
      assertTrue(spaceToBatch, "atrous conv is built with SpaceToBatchND");
    }
  }

  @Test
  void innerConvolutionIsTheOpTheContextAsksFor() {
    // GENERIC (the default) builds TF's generic Conv op, which escapes oneDNN's rewrite of Conv2D;
    // CONV2D builds Conv2D, which cuDNN and the mixed-precision rewriters know. Plain and atrous.
    assertEquals(List.of("Conv", "Conv"), convOpTypes(Conv2dOps.GENERIC));
    assertEquals(List.of("Conv2D", "Conv2D"), convOpTypes(Conv2dOps.CONV2D));
  }

  private static List<String> convOpTypes(Conv2dOps ops) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3).withConv2dOps(ops);
      Conv2d.builder("plain", 2).build().apply(ctx, placeholder(ctx, 1, 7, 6, 2));
      Conv2d.builder("aspp", 2).dilation(3).build().apply(ctx, placeholder(ctx, 1, 7, 6, 2));
      List<String> types = new ArrayList<>();
      for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.type().startsWith("Conv")) {
          types.add(op.type());
          assertArrayEquals(new long[] {1, 1, 1, 1}, op.attributes().getAttrIntList("dilations"));
        }
      }
      return types;
    }
  }

  @Test
  void genericOpsMatchConv2dOpsForwardAndGradients() {
    // The generic Conv's gradient (a Conv for the input at stride 1, a MatMul for 1x1 filters)
    // against TF's own Conv2D gradient, on the same weights: every geometry the layers build.
    checkGenericAgainstConv2d(Conv2d.builder("k3", 4).build(), 2, 6, 5, 3);
    checkGenericAgainstConv2d(Conv2d.builder("k1", 4).kernel(1).bias(false).build(), 2, 5, 4, 3);
    checkGenericAgainstConv2d(Conv2d.builder("k2", 3).kernel(2).build(), 1, 6, 5, 3);
    checkGenericAgainstConv2d(Conv2d.builder("s2", 3).kernel(3).stride(2).padding(Padding.of(1)).build(), 1, 6, 6, 2);
    checkGenericAgainstConv2d(Conv2d.builder("s2k1", 3).kernel(1).stride(2).build(), 1, 6, 5, 2);
    checkGenericAgainstConv2d(Conv2d.builder("asym", 3).padding(Padding.explicit(1, 0, 2, 1)).build(), 1, 5, 6, 2);
    checkGenericAgainstConv2d(Conv2d.builder("k7", 3).kernel(7).stride(2).padding(Padding.of(3)).build(), 1, 9, 9, 3);
    checkGenericAgainstConv2d(Conv2d.builder("d2", 3).dilation(2).build(), 2, 7, 6, 2);
    checkGenericAgainstConv2d(Conv2d.builder("d3v", 2).dilation(3).padding(Padding.VALID).build(), 1, 9, 8, 2);
  }

  /**
   * Applies {@code conv} under GENERIC and under CONV2D (one set of variables) and compares outputs
   * and the gradients of Σ y·R w.r.t. input, weight and bias at 1e-5.
   */
  private static void checkGenericAgainstConv2d(Conv2d conv, long... inShape) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx, inShape);
      Operand<TFloat32> y = conv.apply(ctx, x);
      Operand<TFloat32> reference = conv.apply(ctx.withConv2dOps(Conv2dOps.CONV2D), x);
      List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(x, read(ctx, conv.name() + ".weight")));
      ctx.variables().find(conv.name() + ".bias").ifPresent(b -> wrt.add(read(ctx, conv.name() + ".bias")));
      assertSameOutputAndGradients(g, x, y, reference, wrt, conv.name() + " " + Shape.of(inShape));
    }
  }

  @Test
  void atrousMatchesTheConv2dSpaceToBatchFormulation() {
    // Forward and gradients (input, weight, bias) against the former formulation, the same
    // SpaceToBatchND sandwich around TF's Conv2D: rates 2 and 3, SAME and VALID, odd and even
    // sizes, with and without bias. Only the inner kernel differs, so float32 rounding only.
    checkAgainstConv2dSandwich(2, Padding.SAME, true, 2, 6, 6, 3);
    checkAgainstConv2dSandwich(2, Padding.SAME, false, 1, 7, 5, 2);
    checkAgainstConv2dSandwich(3, Padding.SAME, true, 1, 5, 8, 2);
    checkAgainstConv2dSandwich(3, Padding.SAME, false, 2, 9, 9, 3);
    checkAgainstConv2dSandwich(2, Padding.VALID, true, 1, 7, 6, 2);
    checkAgainstConv2dSandwich(3, Padding.VALID, false, 2, 8, 9, 2);
  }

  @Test
  void atrousWithUnknownSpatialSizeMatchesJavaLoop() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx, -1, -1, -1, 2);
      Operand<TFloat32> y = Conv2d.builder("conv", 3).dilation(3).build().apply(ctx, x);
      assertEquals(3, y.shape().get(3), "channels stay static: " + y.shape());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] in = uniform(7 * 5 * 2, 11, -1, 1);
        float[] w = FeedAndFetch.on(s).fetch(read(ctx, "conv.weight"))[0];
        float[] expected = ReferenceConvolutions.conv2d(in, 1, 7, 5, 2, w, 3, 3, 3, 1, 3, 3, 3, 7, 5);
        float[] actual = FeedAndFetch.on(s).feed(x, Shape.of(1, 7, 5, 2), in).fetch(y)[0];
        assertClose(expected, actual, FORWARD_TOL, "atrous, unknown H and W");
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    checkGradients(Conv2d.builder("s2", 3).kernel(3).stride(2).build(), 2, 5, 5, 3);
    checkGradients(Conv2d.builder("pad", 3).kernel(3).padding(Padding.explicit(1, 0, 0, 2)).build(), 1, 4, 5, 2);
    checkGradients(Conv2d.builder("atrous2", 2).kernel(3).dilation(2).build(), 1, 5, 5, 3);
    checkGradients(Conv2d.builder("atrous3", 2).kernel(3).dilation(3).padding(Padding.VALID).build(), 1, 7, 8, 2);
    checkGradients(Conv2d.builder("atrous2e", 2).kernel(3).dilation(2).build(), 2, 6, 4, 2);
    checkGradients(Conv2d.builder("atrous3s", 3).kernel(3).dilation(3).build(), 1, 7, 6, 2);
    checkGradients(Conv2d.builder("atrous2v", 2).kernel(3).dilation(2).padding(Padding.VALID).build(), 1, 6, 7, 3);
    checkGradients(Conv2d.builder("far", 2).kernel(3).dilation(4).build(), 1, 3, 3, 2);
    checkGradients(Conv2d.builder("mixed", 2).kernel(3).dilation(3).build(), 1, 4, 2, 2);
    checkGradients(Conv2d.builder("uneven", 2).kernel(3).dilation(2).padding(Padding.explicit(2, 0, 4, 2)).build(),
        1, 5, 4, 2);
  }

  @Test
  void atrousGradientsWithoutBiasMatchFiniteDifferences() {
    checkGradientsWithoutBias(Conv2d.builder("nb2", 3).dilation(2).bias(false).build(), 1, 6, 5, 2);
    checkGradientsWithoutBias(
        Conv2d.builder("nb3", 2).dilation(3).padding(Padding.VALID).bias(false).build(), 2, 8, 7, 2);
  }

  @Test
  void appliedTwiceCreatesVariablesOnce() {
    assertAppliedTwiceSharesVariables(Conv2d.builder("shared", 4).build(), 1, 4, 4, 2);
  }

  @Test
  void channelCountDifferentFromFirstApplicationIsRejected() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Conv2d conv = Conv2d.builder("backbone.conv1", 4).build();
      conv.apply(ctx, placeholder(ctx, 2, 5, 5, 3));
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> conv.apply(ctx, placeholder(ctx, 2, 5, 5, 4)));
      assertTrue(e.getMessage().contains("backbone.conv1") && e.getMessage().contains("expected 3")
          && e.getMessage().contains("found 4"), e.getMessage());
    }
  }

  @Test
  void badConfigurationsAreRejected() {
    assertThrows(DelineoException.class, () -> Conv2d.builder("c", 2).stride(2).dilation(2).build());
    assertThrows(DelineoException.class, () -> Conv2d.builder("c", 2).padding(Padding.explicit(1, 1, 1, 1, 1, 1)).build());
    assertThrows(DelineoException.class, () -> Conv2d.builder("c", 0).build());
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      assertThrows(ShapeMismatchException.class,
          () -> Conv2d.builder("c", 2).build().apply(ctx, placeholder(ctx, 2, 5, 5)));
      assertThrows(ShapeMismatchException.class,
          () -> Conv2d.builder("c", 2).build().apply(ctx, placeholder(ctx, 2, 5, 5, -1)));
    }
  }

  /**
   * Builds {@code conv} on an input of shape {@code in}, and compares its output with the Java loop
   * using the layer's own (randomly initialised) kernel.
   */
  private static void checkForward(
      Conv2d conv, int[] in, int kh, int kw, int co, int stride, int dilation, int padTop,
      int padLeft, int oh, int ow) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx, in[0], in[1], in[2], in[3]);
      Operand<TFloat32> y = conv.apply(ctx, x);
      assertEquals(Shape.of(in[0], oh, ow, co), y.shape(), conv.name() + " static shape");
      try (Session s = new Session(g)) {
        s.initialize();
        float[] values = uniform((long) in[0] * in[1] * in[2] * in[3], 17, -1, 1);
        float[] w = FeedAndFetch.on(s).fetch(read(ctx, conv.name() + ".weight"))[0];
        float[] expected = ReferenceConvolutions.conv2d(
            values, in[0], in[1], in[2], in[3], w, kh, kw, co, stride, dilation, padTop, padLeft, oh, ow);
        float[] actual = FeedAndFetch.on(s).feed(x, Shape.of(in[0], in[1], in[2], in[3]), values).fetch(y)[0];
        assertClose(expected, actual, FORWARD_TOL, conv.name());
      }
    }
  }

  /**
   * Builds {@code conv} (a 3×3 atrous layer) and, with the same weight and bias, the formulation of
   * {@code tf.nn.atrous_conv2d} around TF's Conv2D ({@link #atrousConv2d}). Compares outputs and the gradients of Σ y·R
   * w.r.t. input, weight and bias at 1e-5.
   */
  private static void checkAgainstConv2dSandwich(
      int rate, Padding padding, boolean bias, long... inShape) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Ops tf = ctx.tf();
      Conv2d conv = Conv2d.builder("c", 3).dilation(rate).padding(padding).bias(bias).build();
      Operand<TFloat32> x = placeholder(ctx, inShape);
      Operand<TFloat32> y = conv.apply(ctx, x);
      Operand<TFloat32> w = read(ctx, "c.weight");
      Operand<TFloat32> reference = atrousConv2d(tf, x, w, rate, padding);
      List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(x, w));
      if (bias) {
        Operand<TFloat32> b = read(ctx, "c.bias");
        reference = tf.nn.biasAdd(reference, b);
        wrt.add(b);
      }
      assertSameOutputAndGradients(g, x, y, reference, wrt,
          "rate " + rate + " " + padding + " bias " + bias + " " + Shape.of(inShape));
    }
  }

  /**
   * {@code tf.nn.atrous_conv2d}'s way, written out for a static input: pad the image by the
   * layer's zeros, then up to a multiple of the rate; SpaceToBatchND; VALID Conv2D; BatchToSpaceND
   * cropping the rounding off again.
   */
  private static Operand<TFloat32> atrousConv2d(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> w, int rate, Padding padding) {
    int k = (int) w.shape().get(0);
    int[][] base = padding.strideOneAmounts((k - 1) * rate + 1, (k - 1) * rate + 1);
    int[][] pad = new int[2][];
    int[][] crop = new int[2][];
    for (int axis = 0; axis < 2; axis++) {
      long full = x.shape().get(axis + 1) + base[axis][0] + base[axis][1];
      int extra = (int) ((rate - full % rate) % rate);
      pad[axis] = new int[] {base[axis][0], base[axis][1] + extra};
      crop[axis] = new int[] {0, extra};
    }
    Operand<TInt32> block = tf.constant(new int[] {rate, rate});
    Operand<TFloat32> batched = tf.spaceToBatchNd(x, block, tf.constant(pad));
    return tf.batchToSpaceNd(tf.nn.conv2d(batched, w, List.of(1L, 1L, 1L, 1L), "VALID"), block, tf.constant(crop));
  }

  /**
   * Feeds {@code x} with fixed uniform values and compares {@code y} with {@code reference}, and
   * the gradients of Σ y·R with those of Σ reference·R w.r.t. each of {@code wrt} (input, weight,
   * bias), at 1e-5.
   */
  private static void assertSameOutputAndGradients(Graph g, Operand<TFloat32> x, Operand<TFloat32> y,
      Operand<TFloat32> reference, List<Operand<TFloat32>> wrt, String what) {
    Ops tf = Ops.create(g);
    assertEquals(reference.shape(), y.shape(), what + ": static shapes");
    Operand<TFloat32> r = tf.constant(uniform(y.shape().size(), 5, -1, 1));
    List<Operand<TFloat32>> fetches = new ArrayList<>(List.of(y, reference));
    fetches.addAll(gradients(g, tf, tf.reshape(y, tf.constant(new long[] {-1})), r, wrt));
    fetches.addAll(gradients(g, tf, tf.reshape(reference, tf.constant(new long[] {-1})), r, wrt));
    try (Session s = new Session(g)) {
      s.initialize();
      Shape shape = x.shape();
      @SuppressWarnings("unchecked")
      float[][] v = FeedAndFetch.on(s).feed(x, shape, uniform(shape.size(), 13, -1, 1))
          .fetch(fetches.toArray(new Operand[0]));
      assertClose(v[1], v[0], 1e-5, what + ": output");
      String[] names = {"d input", "d weight", "d bias"};
      for (int i = 0; i < wrt.size(); i++) {
        assertClose(v[2 + wrt.size() + i], v[2 + i], 1e-5, what + ": " + names[i]);
      }
    }
  }

  /** d Σ(flat · r) / d each of {@code wrt}. */
  @SuppressWarnings("unchecked")
  private static List<Operand<TFloat32>> gradients(
      Graph g, Ops tf, Operand<TFloat32> flat, Operand<TFloat32> r, List<Operand<TFloat32>> wrt) {
    Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(flat, r), tf.constant(0));
    Output<?>[] grads = g.addGradients(
        loss.asOutput(), wrt.stream().map(Operand::asOutput).toArray(Output<?>[]::new));
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (Output<?> grad : grads) {
      out.add((Operand<TFloat32>) grad);
    }
    return out;
  }

  /** Gradients w.r.t. input and weight of a layer without bias, harness default tolerance. */
  private static void checkGradientsWithoutBias(Conv2d conv, long... inShape) {
    Shape shape = Shape.of(inShape);
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx, inShape);
      Operand<TFloat32> y = conv.apply(ctx, x);
      try (Session s = new Session(g)) {
        s.initialize();
        GradientCheck.on(g, s)
            .feed(x, shape, uniform(shape.size(), 29, -1, 1))
            .check(y, List.of(x, read(ctx, conv.name() + ".weight")));
      }
    }
  }

  /** Gradients w.r.t. input, weight and bias at inputs uniform in [-1, 1), harness default tolerance. */
  private static void checkGradients(Conv2d conv, long... inShape) {
    Shape shape = Shape.of(inShape);
    gradientCheckLayer(conv, 3, shape, uniform(shape.size(), 23, -1, 1), GradientCheck.DEFAULT_TOLERANCE);
  }
}
