package org.delineo.losses;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
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
 * Documents why {@link CrossEntropyLoss} flattens logits to [pixels, K] before LogSoftmax: TF's C++
 * LogSoftmax gradient sums the incoming gradient over axis 1, which is the class axis only for
 * rank-2 input. If this test starts failing, TF fixed it and the workaround may go.
 */
class LogSoftmaxGradientTrapTest {

  /**
   * max over entries of |analytic − closed form| for d Σ(f(x)·c) / dx: c − p·Σ_k c_k for
   * f = logSoftmax, p ⊙ (c − Σ_k p_k·c_k) for f = softmax.
   */
  private static double worstError(Shape shape, int k, boolean log) {
    int n = (int) shape.size();
    float[] x = LossTesting.uniform(n, 1, -2, 2);
    float[] c = LossTesting.uniform(n, 2, -1, 1);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> f = log ? tf.nn.logSoftmax(in) : tf.nn.softmax(in);
      Operand<TFloat32> y = tf.math.mul(f, LossTesting.floats(tf, shape, c));
      Operand<TFloat32> loss = tf.reduceSum(tf.reshape(y, tf.constant(new long[] {-1})), tf.constant(0));
      Output<?>[] grad = g.addGradients(loss.asOutput(), new Output<?>[] {in.asOutput()});
      try (Session s = new Session(g); TFloat32 feed = Tensors.floats(shape, x);
          Result r = s.runner().feed(in, feed).fetch(grad[0]).run()) {
        float[] analytic = Tensors.toFloats(r.get(0));
        double worst = 0;
        for (int i = 0; i < n / k; i++) {
          double[] p = LossTesting.softmax(x, i, k);
          double sumC = 0;
          double sumPc = 0;
          for (int j = 0; j < k; j++) {
            sumC += c[i * k + j];
            sumPc += p[j] * c[i * k + j];
          }
          for (int j = 0; j < k; j++) {
            double expected = log ? c[i * k + j] - p[j] * sumC : p[j] * (c[i * k + j] - sumPc);
            worst = Math.max(worst, Math.abs(expected - analytic[i * k + j]));
          }
        }
        return worst;
      }
    }
  }

  @Test
  void logSoftmaxRank2IsRightAndRank4IsWrong() {
    assertTrue(worstError(Shape.of(6, 3), 3, true) < 1e-5, "rank 2: matches the closed form within 1e-5");
    assertTrue(worstError(Shape.of(2, 3, 1, 3), 3, true) > 1e-2, "rank 4: TF's gradient is off (> 1e-2)");
  }

  @Test
  void softmaxIsRightAtRank4And5() {
    // DiceLoss relies on this: Softmax's C++ gradient reduces over the last axis.
    assertTrue(worstError(Shape.of(2, 3, 1, 3), 3, false) < 1e-5, "rank 4 within 1e-5");
    assertTrue(worstError(Shape.of(1, 2, 3, 1, 3), 3, false) < 1e-5, "rank 5 within 1e-5");
  }
}
