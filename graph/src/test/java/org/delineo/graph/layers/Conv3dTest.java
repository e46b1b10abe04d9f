package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.gradientCheckLayer;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.gradients.CustomGradients;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Conv3d against a plain-Java loop (tolerance 1e-4) and finite differences through the Java Conv3D
 * gradient (GradientCheck's default scaled error 1e-2).
 */
class Conv3dTest {
  /** Forward comparisons: float32 sums of at most a few hundred products of values in [-1, 1]·He. */
  private static final double FORWARD_TOL = 1e-4;

  @Test
  void sameValidAndExplicitMatchJavaLoop() {
    checkForward(Conv3d.builder("same", 3).build(), new int[] {1, 4, 5, 3, 2},
        new int[] {3, 3, 3}, 1, new int[] {1, 1, 1}, new int[] {4, 5, 3});
    // SAME stride 2 on 5, 4, 3 with k 3: out 3, 2, 2; pad before 1, 0, 1
    checkForward(Conv3d.builder("strided", 2).stride(2).build(), new int[] {2, 5, 4, 3, 2},
        new int[] {3, 3, 3}, 2, new int[] {1, 0, 1}, new int[] {3, 2, 2});
    checkForward(Conv3d.builder("valid", 2).kernel(2, 3, 1).padding(Padding.VALID).build(),
        new int[] {1, 4, 4, 3, 2}, new int[] {2, 3, 1}, 1, new int[] {0, 0, 0}, new int[] {3, 2, 3});
    // explicit (1,0 | 0,2 | 1,1) stride 2 k 3: (4+1-3)/2+1 = 2, (4+2-3)/2+1 = 2, (3+2-3)/2+1 = 2
    checkForward(Conv3d.builder("explicit", 2).stride(2).padding(Padding.explicit(1, 0, 0, 2, 1, 1)).build(),
        new int[] {1, 4, 4, 3, 2}, new int[] {3, 3, 3}, 2, new int[] {1, 0, 1}, new int[] {2, 2, 2});
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    checkGradients(Conv3d.builder("s1", 2).build(), 1, 4, 4, 4, 2);
    checkGradients(Conv3d.builder("s2", 3).stride(2).kernel(2, 3, 3).build(), 1, 4, 4, 4, 2);
    checkGradients(Conv3d.builder("pad", 2).padding(Padding.of(1)).stride(2).build(), 1, 3, 4, 4, 2);
  }

  @Test
  void constructingInstallsTheCustomGradients() {
    Conv3d.builder("c", 2).build();
    assertTrue(CustomGradients.isInstalled());
  }

  @Test
  void appliedTwiceCreatesVariablesOnceAndChecksChannels() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Conv3d conv = Conv3d.builder("enc.conv", 2).build();
      Operand<TFloat32> a = placeholder(ctx, 1, 3, 3, 3, 2);
      Operand<TFloat32> b = placeholder(ctx, 1, 3, 3, 3, 2);
      Operand<TFloat32> ya = conv.apply(ctx, a);
      Operand<TFloat32> yb = conv.apply(ctx, b);
      assertEquals(2, ctx.variables().all().size());
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> conv.apply(ctx, placeholder(ctx, 1, 3, 3, 3, 5)));
      assertTrue(e.getMessage().contains("expected 2") && e.getMessage().contains("found 5"), e.getMessage());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] in = uniform(54, 5, -1, 1);
        Shape shape = Shape.of(1, 3, 3, 3, 2);
        assertArrayEquals(FeedAndFetch.on(s).feed(a, shape, in).fetch(ya)[0],
            FeedAndFetch.on(s).feed(b, shape, in).fetch(yb)[0]);
      }
    }
  }

  @Test
  void twoDimensionalExplicitPaddingIsRejected() {
    assertThrows(DelineoException.class,
        () -> Conv3d.builder("c", 2).padding(Padding.explicit(1, 1, 1, 1)).build());
  }

  private static void checkForward(
      Conv3d conv, int[] in, int[] kernel, int stride, int[] padBefore, int[] out) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx, in[0], in[1], in[2], in[3], in[4]);
      Operand<TFloat32> y = conv.apply(ctx, x);
      int co = conv.outChannels();
      assertEquals(Shape.of(in[0], out[0], out[1], out[2], co), y.shape(), conv.name() + " static shape");
      try (Session s = new Session(g)) {
        s.initialize();
        Shape inShape = Shape.of(in[0], in[1], in[2], in[3], in[4]);
        float[] values = uniform(inShape.size(), 31, -1, 1);
        float[] w = FeedAndFetch.on(s).fetch(read(ctx, conv.name() + ".weight"))[0];
        float[] expected =
            ReferenceConvolutions.conv3d(values, in, w, kernel, co, stride, padBefore, out);
        float[] actual = FeedAndFetch.on(s).feed(x, inShape, values).fetch(y)[0];
        assertClose(expected, actual, FORWARD_TOL, conv.name());
      }
    }
  }

  /** Gradients w.r.t. input, weight and bias at inputs uniform in [-1, 1), harness default tolerance. */
  private static void checkGradients(Conv3d conv, long... inShape) {
    Shape shape = Shape.of(inShape);
    gradientCheckLayer(conv, 3, shape, uniform(shape.size(), 37, -1, 1), GradientCheck.DEFAULT_TOLERANCE);
  }
}
