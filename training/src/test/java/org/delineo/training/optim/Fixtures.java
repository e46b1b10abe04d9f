package org.delineo.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableKind;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Small helpers shared by the optimizer tests. */
final class Fixtures {
  private Fixtures() {}

  /** A float vector variable starting at {@code values}. */
  @SuppressWarnings("unchecked")
  static ModelVariable<TFloat32> variable(
      GraphContext ctx, String name, VariableKind kind, float... values) {
    float[] copy = values.clone();
    ctx.variables().variable(name, Shape.of(copy.length), (tf, shape, seed) -> tf.constant(copy), kind);
    return (ModelVariable<TFloat32>) ctx.variables().find(name).orElseThrow();
  }

  /** L = ½ Σ a_i (p_i − c_i)², whose gradient is a_i (p_i − c_i). */
  static Operand<TFloat32> quadraticLoss(Ops tf, Operand<TFloat32> p, float[] a, float[] c) {
    Operand<TFloat32> diff = tf.math.sub(p, tf.constant(c));
    Operand<TFloat32> weighted = tf.math.mul(tf.constant(a), tf.math.square(diff));
    return tf.math.mul(tf.constant(0.5f), tf.reduceSum(weighted, tf.constant(0)));
  }

  static float[] fetch(Session s, Operand<TFloat32> x) {
    try (Result r = s.runner().fetch(x).run()) {
      return Tensors.toFloats(r, 0);
    }
  }

  static long fetchLong(Session s, Operand<TInt64> x) {
    try (Result r = s.runner().fetch(x).run()) {
      return ((TInt64) r.get(0)).getLong();
    }
  }

  static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tolerance,
          what + "[" + i + "] (absolute tolerance " + tolerance + ")");
    }
  }
}
