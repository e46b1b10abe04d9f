package org.delineo.graph.layers;

import static org.delineo.graph.layers.ConvTesting.assertClose;
import static org.delineo.graph.layers.ConvTesting.param;
import static org.delineo.graph.layers.ConvTesting.placeholder;
import static org.delineo.graph.layers.ConvTesting.random;
import static org.delineo.graph.layers.ConvTesting.run;
import static org.delineo.graph.layers.ConvTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
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
 * ConvTranspose2d against a plain-Java scatter-add (tolerance {@link ConvTesting#FORWARD_TOLERANCE})
 * and finite differences (GradientCheck's default scaled error 1e-2).
 */
class ConvTranspose2dTest {

  @Test
  void validKernelTwoStrideTwoIsPyTorchUpsampling() {
    // PyTorch ConvTranspose2d(k=2, s=2, padding=0): every input pixel writes its own 2×2 block.
    checkForward(ConvTranspose2d.builder("up", 3).build(), 2, 3, 4, 2, 2, 2, 0, 0, 6, 8);
    // VALID k 3 s 2: (3 - 1)·2 + 3 = 7
    checkForward(ConvTranspose2d.builder("v", 2).kernel(3).padding(Padding.VALID).build(),
        1, 3, 3, 2, 3, 2, 0, 0, 7, 7);
  }

  @Test
  void sameDoublesTheSizeAndCropsLikeTheForwardPadding() {
    // The forward SAME conv from 2H with k, s 2 pads max(k - 2, 0) in total, half before:
    // k 3 crops 0 before, k 4 crops 1.
    checkForward(ConvTranspose2d.builder("s3", 2).kernel(3).padding(Padding.SAME).build(),
        1, 3, 4, 2, 3, 2, 0, 0, 6, 8);
    checkForward(ConvTranspose2d.builder("s4", 2).kernel(4).padding(Padding.SAME).build(),
        2, 3, 3, 2, 4, 2, 1, 1, 6, 6);
  }

  @Test
  void unknownBatchSizeWorks() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 3);
      Operand<TFloat32> x = placeholder(ctx.tf(), -1, 3, 3, 2);
      ConvTranspose2d up = ConvTranspose2d.builder("up", 4).build();
      Operand<TFloat32> y = up.apply(ctx, x);
      assertArrayEquals(new long[] {-1, 6, 6, 4}, y.shape().asArray(), "static shape " + y.shape());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] in = random(36, 3);
        float[] w = value(s, param(ctx, "up.weight"));
        float[] expected = ReferenceConvolutions.convTranspose2d(in, 2, 3, 3, 2, w, 2, 2, 4, 2, 0, 0, 6, 6);
        assertClose(expected, run(s, y, x, Shape.of(2, 3, 3, 2), in), "batch fed as 2");
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    checkGradients(ConvTranspose2d.builder("up", 3).build(), 2, 3, 3, 2);
    checkGradients(ConvTranspose2d.builder("same", 2).kernel(3).padding(Padding.SAME).build(), 1, 3, 4, 3);
  }

  @Test
  void appliedTwiceCreatesVariablesOnce() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      ConvTranspose2d up = ConvTranspose2d.builder("up", 2).build();
      Operand<TFloat32> a = placeholder(ctx.tf(), 1, 2, 2, 3);
      Operand<TFloat32> b = placeholder(ctx.tf(), 1, 2, 2, 3);
      Operand<TFloat32> ya = up.apply(ctx, a);
      Operand<TFloat32> yb = up.apply(ctx, b);
      assertEquals(2, ctx.variables().all().size());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] in = random(12, 5);
        assertArrayEquals(run(s, ya, a, Shape.of(1, 2, 2, 3), in), run(s, yb, b, Shape.of(1, 2, 2, 3), in));
      }
    }
  }

  @Test
  void explicitPaddingIsRejected() {
    assertThrows(DelineoException.class, () -> ConvTranspose2d.builder("up", 2).padding(Padding.of(1)).build());
  }

  private static void checkForward(
      ConvTranspose2d up, int n, int h, int w, int c, int k, int stride, int cropTop, int cropLeft,
      int oh, int ow) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx.tf(), n, h, w, c);
      Operand<TFloat32> y = up.apply(ctx, x);
      int co = up.outChannels();
      assertEquals(Shape.of(n, oh, ow, co), y.shape(), up.name() + " static shape");
      try (Session s = new Session(g)) {
        s.initialize();
        float[] values = random((long) n * h * w * c, 41);
        float[] kernel = value(s, param(ctx, up.name() + ".weight"));
        float[] expected = ReferenceConvolutions.convTranspose2d(
            values, n, h, w, c, kernel, k, k, co, stride, cropTop, cropLeft, oh, ow);
        assertClose(expected, run(s, y, x, Shape.of(n, h, w, c), values), up.name());
      }
    }
  }

  private static void checkGradients(ConvTranspose2d up, long... inShape) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Operand<TFloat32> x = placeholder(ctx.tf(), inShape);
      Operand<TFloat32> y = up.apply(ctx, x);
      try (Session s = new Session(g)) {
        s.initialize();
        GradientCheck.on(g, s)
            .feed(x, Shape.of(inShape), random(Shape.of(inShape).size(), 43))
            .check(y, List.of(x, param(ctx, up.name() + ".weight"), param(ctx, up.name() + ".bias")));
      }
    }
  }
}
