package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertAppliedTwiceSharesVariables;
import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.gradientCheckLayer;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * ConvTranspose3d against a plain-Java scatter-add (tolerance 1e-4) and finite
 * differences through the Java Conv3DBackpropInputV2 gradient (scaled error 1e-2).
 */
class ConvTranspose3dTest {
  /** Forward comparisons: float32 sums of at most a few hundred products of values in [-1, 1]·He. */
  private static final double FORWARD_TOL = 1e-4;

  @Test
  void validAndSameMatchJavaScatterAdd() {
    checkForward(ConvTranspose3d.builder("up", 2).build(), new int[] {2, 2, 3, 2, 3},
        2, new int[] {0, 0, 0}, new int[] {4, 6, 4});
    // SAME k 3 s 2 doubles each size and crops 0 before (forward padding 1 in total, after).
    checkForward(ConvTranspose3d.builder("same", 2).kernel(3).padding(Padding.SAME).build(),
        new int[] {1, 2, 2, 3, 2}, 3, new int[] {0, 0, 0}, new int[] {4, 4, 6});
  }

  @Test
  void unknownBatchSizeWorks() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 3);
      Operand<TFloat32> x = placeholder(ctx, -1, 2, 2, 2, 2);
      Operand<TFloat32> y = ConvTranspose3d.builder("up", 3).build().apply(ctx, x);
      assertArrayEquals(new long[] {-1, 4, 4, 4, 3}, y.shape().asArray(), "static shape " + y.shape());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] out = FeedAndFetch.on(s).feed(x, Shape.of(2, 2, 2, 2, 2), uniform(32, 1, -1, 1)).fetch(y)[0];
        assertEquals(2 * 64 * 3, out.length);
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    checkGradients(ConvTranspose3d.builder("up", 2).build(), 1, 2, 2, 3, 2);
    checkGradients(ConvTranspose3d.builder("same", 2).kernel(3).padding(Padding.SAME).build(), 1, 2, 2, 2, 3);
  }

  @Test
  void appliedTwiceCreatesVariablesOnce() {
    assertAppliedTwiceSharesVariables(ConvTranspose3d.builder("up", 2).build(), 1, 2, 2, 2, 2);
  }

  private static void checkForward(
      ConvTranspose3d up, int[] in, int k, int[] cropBefore, int[] out) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx, in[0], in[1], in[2], in[3], in[4]);
      Operand<TFloat32> y = up.apply(ctx, x);
      int co = up.outChannels();
      assertEquals(Shape.of(in[0], out[0], out[1], out[2], co), y.shape(), up.name() + " static shape");
      try (Session s = new Session(g)) {
        s.initialize();
        Shape inShape = Shape.of(in[0], in[1], in[2], in[3], in[4]);
        float[] values = uniform(inShape.size(), 47, -1, 1);
        float[] kernel = FeedAndFetch.on(s).fetch(read(ctx, up.name() + ".weight"))[0];
        float[] expected = ReferenceConvolutions.convTranspose3d(
            values, in, kernel, new int[] {k, k, k}, co, 2, cropBefore, out);
        float[] actual = FeedAndFetch.on(s).feed(x, inShape, values).fetch(y)[0];
        assertClose(expected, actual, FORWARD_TOL, up.name());
      }
    }
  }

  /** Gradients w.r.t. input, weight and bias at inputs uniform in [-1, 1), harness default tolerance. */
  private static void checkGradients(ConvTranspose3d up, long... inShape) {
    Shape shape = Shape.of(inShape);
    gradientCheckLayer(up, 3, shape, uniform(shape.size(), 53, -1, 1), GradientCheck.DEFAULT_TOLERANCE);
  }
}
