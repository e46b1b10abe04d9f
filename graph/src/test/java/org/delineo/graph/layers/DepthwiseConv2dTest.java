package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertAppliedTwiceSharesVariables;
import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.gradientCheckLayer;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * DepthwiseConv2d against plain-Java loops (tolerance 1e-4) and finite
 * differences (GradientCheck's default scaled error 1e-2).
 */
class DepthwiseConv2dTest {
  /** Forward comparisons: float32 sums of at most a few hundred products of values in [-1, 1]·He. */
  private static final double FORWARD_TOL = 1e-4;

  @Test
  void stridedSameMatchesJavaLoop() {
    int[] rows = ReferenceConvolutions.sameOutAndPadBefore(6, 3, 2);
    int[] cols = ReferenceConvolutions.sameOutAndPadBefore(5, 3, 2);
    checkForward(DepthwiseConv2d.builder("dw").kernel(3).stride(2).channelMultiplier(2).build(),
        new int[] {2, 6, 5, 3}, 3, 3, 2, 2, 1, rows[1], cols[1], rows[0], cols[0]);
  }

  @Test
  void atrousMatchesDilatedJavaLoop() {
    checkForward(DepthwiseConv2d.builder("a").dilation(2).channelMultiplier(2).build(),
        new int[] {1, 5, 6, 3}, 3, 3, 2, 1, 2, 2, 2, 5, 6);
    checkForward(DepthwiseConv2d.builder("b").dilation(3).build(),
        new int[] {2, 7, 5, 2}, 3, 3, 1, 1, 3, 3, 3, 7, 5);
    // explicit (1, 0, 2, 1) at rate 2, k 3: rows 5 + 1 - 4 = 2, columns 6 + 3 - 4 = 5
    checkForward(DepthwiseConv2d.builder("c").dilation(2).padding(Padding.explicit(1, 0, 2, 1)).build(),
        new int[] {1, 5, 6, 2}, 3, 3, 1, 1, 2, 1, 2, 2, 5);
    // Rate 5 on 3 rows: only the centre row tap reads the image (block 1 × 5).
    checkForward(DepthwiseConv2d.builder("far").dilation(5).channelMultiplier(2).build(),
        new int[] {1, 3, 6, 2}, 3, 3, 2, 1, 5, 5, 5, 3, 6);
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    checkGradients(DepthwiseConv2d.builder("s2").stride(2).channelMultiplier(2).build(), 2, 5, 5, 3);
    checkGradients(DepthwiseConv2d.builder("atrous").dilation(2).build(), 1, 5, 6, 3);
    checkGradients(DepthwiseConv2d.builder("far").dilation(5).build(), 1, 3, 6, 2);
  }

  @Test
  void kernelIsInitialisedWithGroupedFanIn() {
    // He normal with fan-in kh·kw = 9: std sqrt(2/9) ≈ 0.471, not sqrt(2/(9·16)) ≈ 0.118.
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      DepthwiseConv2d.builder("dw").bias(false).build().apply(ctx, placeholder(ctx, 1, 4, 4, 16));
      assertEquals(1, ctx.variables().all().size());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] w = FeedAndFetch.on(s).fetch(read(ctx, "dw.weight"))[0];
        double sq = 0;
        for (float v : w) {
          sq += v * v;
        }
        double std = Math.sqrt(sq / w.length);
        assertEquals(Math.sqrt(2.0 / 9), std, 0.1, "std of 144 draws");
      }
    }
  }

  @Test
  void appliedTwiceCreatesVariablesOnce() {
    assertAppliedTwiceSharesVariables(DepthwiseConv2d.builder("dw").dilation(2).build(), 1, 5, 5, 2);
  }

  @Test
  void strideWithDilationIsRejected() {
    assertThrows(DelineoException.class, () -> DepthwiseConv2d.builder("dw").stride(2).dilation(2).build());
  }

  private static void checkForward(
      DepthwiseConv2d dw, int[] in, int kh, int kw, int m, int stride, int dilation, int padTop,
      int padLeft, int oh, int ow) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx, in[0], in[1], in[2], in[3]);
      Operand<TFloat32> y = dw.apply(ctx, x);
      assertEquals(Shape.of(in[0], oh, ow, (long) in[3] * m), y.shape(), dw.name() + " static shape");
      try (Session s = new Session(g)) {
        s.initialize();
        float[] values = uniform((long) in[0] * in[1] * in[2] * in[3], 19, -1, 1);
        float[] w = FeedAndFetch.on(s).fetch(read(ctx, dw.name() + ".weight"))[0];
        float[] expected = ReferenceConvolutions.depthwise2d(
            values, in[0], in[1], in[2], in[3], w, kh, kw, m, stride, dilation, padTop, padLeft, oh, ow);
        float[] actual = FeedAndFetch.on(s).feed(x, Shape.of(in[0], in[1], in[2], in[3]), values).fetch(y)[0];
        assertClose(expected, actual, FORWARD_TOL, dw.name());
      }
    }
  }

  /** Gradients w.r.t. input, weight and bias at inputs uniform in [-1, 1), harness default tolerance. */
  private static void checkGradients(DepthwiseConv2d dw, long... inShape) {
    Shape shape = Shape.of(inShape);
    gradientCheckLayer(dw, 3, shape, uniform(shape.size(), 29, -1, 1), GradientCheck.DEFAULT_TOLERANCE);
  }
}
