package org.delineo.graph.layers;

import static org.delineo.graph.layers.ConvTesting.assertClose;
import static org.delineo.graph.layers.ConvTesting.param;
import static org.delineo.graph.layers.ConvTesting.placeholder;
import static org.delineo.graph.layers.ConvTesting.random;
import static org.delineo.graph.layers.ConvTesting.run;
import static org.delineo.graph.layers.ConvTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
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
 * ConvTranspose3d against a plain-Java scatter-add (tolerance {@link ConvTesting#FORWARD_TOLERANCE})
 * and finite differences through the Java Conv3DBackpropInputV2 gradient (scaled error 1e-2).
 */
class ConvTranspose3dTest {

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
      Operand<TFloat32> x = placeholder(ctx.tf(), -1, 2, 2, 2, 2);
      Operand<TFloat32> y = ConvTranspose3d.builder("up", 3).build().apply(ctx, x);
      assertArrayEquals(new long[] {-1, 4, 4, 4, 3}, y.shape().asArray(), "static shape " + y.shape());
      try (Session s = new Session(g)) {
        s.initialize();
        assertEquals(2 * 64 * 3, run(s, y, x, Shape.of(2, 2, 2, 2, 2), random(32, 1)).length);
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
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      ConvTranspose3d up = ConvTranspose3d.builder("up", 2).build();
      Operand<TFloat32> a = placeholder(ctx.tf(), 1, 2, 2, 2, 2);
      Operand<TFloat32> b = placeholder(ctx.tf(), 1, 2, 2, 2, 2);
      Operand<TFloat32> ya = up.apply(ctx, a);
      Operand<TFloat32> yb = up.apply(ctx, b);
      assertEquals(2, ctx.variables().all().size());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] in = random(16, 5);
        Shape shape = Shape.of(1, 2, 2, 2, 2);
        assertArrayEquals(run(s, ya, a, shape, in), run(s, yb, b, shape, in));
      }
    }
  }

  private static void checkForward(
      ConvTranspose3d up, int[] in, int k, int[] cropBefore, int[] out) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx.tf(), in[0], in[1], in[2], in[3], in[4]);
      Operand<TFloat32> y = up.apply(ctx, x);
      int co = up.outChannels();
      assertEquals(Shape.of(in[0], out[0], out[1], out[2], co), y.shape(), up.name() + " static shape");
      try (Session s = new Session(g)) {
        s.initialize();
        Shape inShape = Shape.of(in[0], in[1], in[2], in[3], in[4]);
        float[] values = random(inShape.size(), 47);
        float[] kernel = value(s, param(ctx, up.name() + ".weight"));
        float[] expected = ReferenceConvolutions.convTranspose3d(
            values, in, kernel, new int[] {k, k, k}, co, 2, cropBefore, out);
        assertClose(expected, run(s, y, x, inShape, values), up.name());
      }
    }
  }

  private static void checkGradients(ConvTranspose3d up, long... inShape) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx.tf(), inShape);
      Operand<TFloat32> y = up.apply(ctx, x);
      try (Session s = new Session(g)) {
        s.initialize();
        GradientCheck.on(g, s)
            .feed(x, Shape.of(inShape), random(Shape.of(inShape).size(), 53))
            .check(y, List.of(x, param(ctx, up.name() + ".weight"), param(ctx, up.name() + ".bias")));
      }
    }
  }
}
