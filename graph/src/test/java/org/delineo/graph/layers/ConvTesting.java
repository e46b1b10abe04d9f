package org.delineo.graph.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** Small helpers shared by the convolution layer tests. */
final class ConvTesting {
  /** Forward comparisons: float32 sums of at most a few hundred products of values in [-1, 1]·He. */
  static final double FORWARD_TOLERANCE = 1e-4;

  private ConvTesting() {}

  /** Uniform values in [-1, 1), fixed by the seed. */
  static float[] random(long size, long seed) {
    Random r = new Random(seed);
    float[] out = new float[(int) size];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return out;
  }

  static Operand<TFloat32> placeholder(Ops tf, long... shape) {
    return tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
  }

  /** The identity read of a float variable created by a layer. */
  @SuppressWarnings("unchecked")
  static Operand<TFloat32> param(GraphContext ctx, String name) {
    return (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
  }

  /** Runs {@code fetch} with {@code values} fed to {@code x}. */
  static float[] run(Session s, Operand<TFloat32> fetch, Operand<TFloat32> x, Shape shape, float[] values) {
    try (TFloat32 feed = Tensors.floats(shape, values);
        Result r = s.runner().feed(x, feed).fetch(fetch).run()) {
      return Tensors.toFloats(r, 0);
    }
  }

  /** The current value of a variable read (or any operand that needs no feed). */
  static float[] value(Session s, Operand<TFloat32> fetch) {
    try (Result r = s.runner().fetch(fetch).run()) {
      return Tensors.toFloats(r, 0);
    }
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": number of values");
    for (int i = 0; i < expected.length; i++) {
      if (Math.abs(expected[i] - actual[i]) > FORWARD_TOLERANCE) {
        throw new AssertionError(what + ": value " + i + " expected " + expected[i] + " but was "
            + actual[i] + " (tolerance " + FORWARD_TOLERANCE + ")");
      }
    }
  }
}
