package org.delineo.graph.gradients;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.BackwardReaders;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@link StandardizeReadingOutput}: the closed-form gradient equals TF's own gradient of the
 * composed ops (an independent formulation, differentiated op by op by TF's C++ gradients), and
 * finite differences; no backward op reads the input.
 */
class StandardizeReadingOutputTest {
  private static final Shape SHAPE = Shape.of(2, 3, 2, 4, 3); // NDHWC, instance norm over D, H, W
  private static final int[] AXES = {1, 2, 3};
  private static final float EPS = 1e-5f;

  @Test
  void gradientMatchesTheComposedOpsDifferentiatedByTensorFlow() {
    // loss = Σ c·y + Σ x²: x has a second consumer, so the gradient arriving at the IdentityN's
    // second output must be added as well.
    float[] x = random(SHAPE.size(), 1, 3f);
    float[] c = random(SHAPE.size(), 2, 1f);
    float[][] got = gradientAndOutput(x, c, true);
    float[][] want = gradientAndOutput(x, c, false);
    for (int i = 0; i < x.length; i++) {
      assertEquals(want[0][i], got[0][i], 1e-4, "y[" + i + "]");
      assertEquals(want[1][i], got[1][i], 2e-4, "dx[" + i + "]");
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(SHAPE));
      Operand<TFloat32> y = StandardizeReadingOutput.apply(tf, x, AXES, EPS);
      GradientCheck.on(g, s).feed(x, SHAPE, random(SHAPE.size(), 3, 2f)).check(y, List.of(x));
    }
  }

  @Test
  void noBackwardOpReadsTheInput() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(SHAPE));
      Operand<TFloat32> x = tf.math.mul(p, tf.constant(2f)); // a convolution output the step would keep
      Operand<TFloat32> y = StandardizeReadingOutput.apply(tf, x, AXES, EPS);
      Operand<TFloat32> loss = tf.reduceSum(tf.math.square(y), tf.constant(new int[] {0, 1, 2, 3, 4}));
      List<String> readers = BackwardReaders.of(g, x,
          () -> g.addGradients(loss.asOutput(), new Output<?>[] {p.asOutput()}));
      assertEquals(List.of(), readers, "backward ops reading the input");
    }
  }

  /** {y, d loss / d x} for loss = Σ c·y + Σ x², through the op under test or the composed ops. */
  private static float[][] gradientAndOutput(float[] xValues, float[] c, boolean closedForm) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(SHAPE));
      Operand<TFloat32> y = closedForm ? StandardizeReadingOutput.apply(tf, x, AXES, EPS) : composed(tf, x);
      Operand<TInt32> all = tf.constant(new int[] {0, 1, 2, 3, 4});
      Operand<TFloat32> loss = tf.math.add(
          tf.reduceSum(tf.math.mul(y, tf.constant(Shape.of(SHAPE.asArray()), DataBuffers.of(c, true, false))), all),
          tf.reduceSum(tf.math.square(x), all));
      Output<?> dx = g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()})[0];
      try (TFloat32 in = TFloat32.tensorOf(SHAPE, DataBuffers.of(xValues, true, false));
          Result r = s.runner().feed(x, in).fetch(y).fetch(dx).run()) {
        float[][] out = new float[2][xValues.length];
        ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out[0], false, false));
        ((TFloat32) r.get(1)).copyTo(DataBuffers.of(out[1], false, false));
        return out;
      }
    }
  }

  /** The textbook ops: (x − mean) · rsqrt(mean((x − mean)²) + eps). */
  private static Operand<TFloat32> composed(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> axes = tf.constant(AXES);
    Operand<TFloat32> mean = tf.math.mean(x, axes, Mean.keepDims(true));
    Operand<TFloat32> variance =
        tf.math.mean(tf.math.squaredDifference(x, mean), axes, Mean.keepDims(true));
    return tf.math.mul(tf.math.sub(x, mean), tf.math.rsqrt(tf.math.add(variance, tf.constant(EPS))));
  }


  private static float[] random(long size, long seed, float scale) {
    Random r = new Random(seed);
    float[] out = new float[(int) size];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (r.nextGaussian() * scale + 0.5);
    }
    return out;
  }
}
