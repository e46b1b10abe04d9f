package org.delineo.losses;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.BiFunction;
import org.delineo.graph.Tensors;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Test helper for edge cases: a loss and its analytic gradient w.r.t. the fed logits, in one run.
 *
 * @param loss the scalar value
 * @param gradient d loss / d logits, flattened like the logits
 */
record LossAndGradient(float loss, float[] gradient) {

  /** Builds f(tf, logits) on a logits placeholder, feeds {@code logits}, fetches loss and gradient. */
  static LossAndGradient of(Shape shape, float[] logits,
      BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> loss = f.apply(tf, x);
      Output<?>[] grad = g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()});
      assertFalse(grad[0] == null || grad[0].isClosed(), "no gradient reaches the logits");
      try (Session s = new Session(g);
          TFloat32 in = Tensors.floats(shape, logits);
          Result r = s.runner().feed(x, in).fetch(loss).fetch(grad[0]).run()) {
        return new LossAndGradient(Tensors.scalar(r, 0), Tensors.toFloats(r, 1));
      }
    }
  }

  /** Asserts that the loss and every gradient entry are finite (no NaN, no ±Inf). */
  LossAndGradient assertFinite(String what) {
    assertTrue(Float.isFinite(loss), what + ": loss " + loss + " is not finite");
    for (int i = 0; i < gradient.length; i++) {
      assertTrue(Float.isFinite(gradient[i]),
          what + ": gradient entry " + i + " = " + gradient[i] + " is not finite");
    }
    return this;
  }

  /** The largest |gradient entry|. */
  double maxAbsGradient() {
    double m = 0;
    for (float v : gradient) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
