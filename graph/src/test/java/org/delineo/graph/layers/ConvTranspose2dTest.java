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
 * ConvTranspose2d against a plain-Java scatter-add (tolerance 1e-4) and finite
 * differences (GradientCheck's default scaled error 1e-2).
 */
class ConvTranspose2dTest {
  /** Forward comparisons: float32 sums of at most a few hundred products of values in [-1, 1]·He. */
  private static final double FORWARD_TOL = 1e-4;

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
      Operand<TFloat32> x = placeholder(ctx, -1, 3, 3, 2);
      ConvTranspose2d up = ConvTranspose2d.builder("up", 4).build();
      Operand<TFloat32> y = up.apply(ctx, x);
      assertArrayEquals(new long[] {-1, 6, 6, 4}, y.shape().asArray(), "static shape " + y.shape());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] in = uniform(36, 3, -1, 1);
        float[] w = FeedAndFetch.on(s).fetch(read(ctx, "up.weight"))[0];
        float[] expected = ReferenceConvolutions.convTranspose2d(in, 2, 3, 3, 2, w, 2, 2, 4, 2, 0, 0, 6, 6);
        float[] actual = FeedAndFetch.on(s).feed(x, Shape.of(2, 3, 3, 2), in).fetch(y)[0];
        assertClose(expected, actual, FORWARD_TOL, "batch fed as 2");
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
    assertAppliedTwiceSharesVariables(ConvTranspose2d.builder("up", 2).build(), 1, 2, 2, 3);
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
      Operand<TFloat32> x = placeholder(ctx, n, h, w, c);
      Operand<TFloat32> y = up.apply(ctx, x);
      int co = up.outChannels();
      assertEquals(Shape.of(n, oh, ow, co), y.shape(), up.name() + " static shape");
      try (Session s = new Session(g)) {
        s.initialize();
        float[] values = uniform((long) n * h * w * c, 41, -1, 1);
        float[] kernel = FeedAndFetch.on(s).fetch(read(ctx, up.name() + ".weight"))[0];
        float[] expected = ReferenceConvolutions.convTranspose2d(
            values, n, h, w, c, kernel, k, k, co, stride, cropTop, cropLeft, oh, ow);
        float[] actual = FeedAndFetch.on(s).feed(x, Shape.of(n, h, w, c), values).fetch(y)[0];
        assertClose(expected, actual, FORWARD_TOL, up.name());
      }
    }
  }

  /** Gradients w.r.t. input, weight and bias at inputs uniform in [-1, 1), harness default tolerance. */
  private static void checkGradients(ConvTranspose2d up, long... inShape) {
    Shape shape = Shape.of(inShape);
    gradientCheckLayer(up, 3, shape, uniform(shape.size(), 43, -1, 1), GradientCheck.DEFAULT_TOLERANCE);
  }
}
