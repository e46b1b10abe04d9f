package org.delineo.losses;

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
 * Independent double-precision formulations of the focal terms for the focal, boundary-aware and
 * OHEM tests, plus graph helpers for non-scalar outputs and raw gradients.
 */
final class FocalReference {
  static final double F32_EPS = 1.1920928955078125e-7; // 2^-23

  private FocalReference() {}

  /**
   * mmseg's {@code py_sigmoid_focal_loss} transcribed per entry, without reduction: one-hot target
   * after mapping the ignore label to 0, p = σ(z), one_minus_pt, focal_weight, PyTorch's
   * BCE-with-logits max(z, 0) − z·t + log1p(exp(−|z|)), times class weight · valid mask · pixel
   * weight. Returns each pixel's K entries summed.
   */
  static double[] sigmoidPixelTerms(float[] z, int[] y, int k, int ignore, double gamma, double alpha,
      float[] classWeights, float[] pixelWeights) {
    double[] out = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      int label = y[i] == ignore ? 0 : y[i];
      double valid = y[i] == ignore ? 0 : 1;
      for (int c = 0; c < k; c++) {
        double x = z[i * k + c];
        double t = label == c ? 1 : 0;
        double s = 1 / (1 + Math.exp(-x));
        double oneMinusPt = (1 - s) * t + s * (1 - t);
        double focalWeight = (alpha * t + (1 - alpha) * (1 - t)) * Math.pow(oneMinusPt, gamma);
        double bce = Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
        double w = (classWeights == null ? 1 : classWeights[c]) * valid
            * (pixelWeights == null ? 1 : pixelWeights[i]);
        out[i] += bce * focalWeight * w;
      }
    }
    return out;
  }

  /** α · w_y · (1 − p_y)^γ · (−log p_y) · pixel weight per pixel, 0 at ignored pixels. */
  static double[] softmaxPixelTerms(float[] z, int[] y, int k, int ignore, double gamma, double alpha,
      float[] classWeights, float[] pixelWeights) {
    double[] out = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      if (y[i] == ignore) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        max = Math.max(max, z[i * k + c]);
      }
      double s = 0;
      for (int c = 0; c < k; c++) {
        s += Math.exp(z[i * k + c] - max);
      }
      double logPy = z[i * k + y[i]] - max - Math.log(s);
      double py = Math.exp(logPy);
      out[i] = alpha * (classWeights == null ? 1 : classWeights[y[i]]) * Math.pow(1 - py, gamma)
          * (-logPy) * (pixelWeights == null ? 1 : pixelWeights[i]);
    }
    return out;
  }

  static double sum(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s;
  }

  static int valid(int[] y, int ignore) {
    int n = 0;
    for (int label : y) {
      n += label == ignore ? 0 : 1;
    }
    return n;
  }

  /** mmseg's sigmoid focal 'mean': every entry of every pixel in the divisor. */
  static double sigmoidLoss(float[] z, int[] y, int k, int ignore, double gamma, double alpha,
      float[] classWeights, float[] pixelWeights) {
    return sum(sigmoidPixelTerms(z, y, k, ignore, gamma, alpha, classWeights, pixelWeights))
        / ((double) y.length * k);
  }

  /** Softmax focal averaged over non-ignored pixels (+ ε_f32, as the avg_non_ignore CE). */
  static double softmaxLoss(float[] z, int[] y, int k, int ignore, double gamma, double alpha,
      float[] classWeights, float[] pixelWeights) {
    return sum(softmaxPixelTerms(z, y, k, ignore, gamma, alpha, classWeights, pixelWeights))
        / (valid(y, ignore) + F32_EPS);
  }

  /** Builds f(tf, x) on a fed placeholder x and returns all values of the output. */
  static float[] values(Shape shape, float[] x, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> out = f.apply(tf, in);
      try (Session s = new Session(g); TFloat32 feed = Tensors.floats(shape, x);
          Result r = s.runner().feed(in, feed).fetch(out).run()) {
        return Tensors.toFloats(r.get(0));
      }
    }
  }

  /** The loss value followed by its analytic gradient w.r.t. x (from Graph.addGradients). */
  static float[] lossAndGradient(Shape shape, float[] x,
      BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> loss = f.apply(tf, in);
      Output<?>[] grad = g.addGradients(loss.asOutput(), new Output<?>[] {in.asOutput()});
      try (Session s = new Session(g); TFloat32 feed = Tensors.floats(shape, x);
          Result r = s.runner().feed(in, feed).fetch(loss).fetch(grad[0]).run()) {
        float[] gradient = Tensors.toFloats(r.get(1));
        float[] out = new float[gradient.length + 1];
        out[0] = Tensors.scalar(r, 0);
        System.arraycopy(gradient, 0, out, 1, gradient.length);
        return out;
      }
    }
  }

  static void assertAllFinite(float[] v, String what) {
    for (int i = 0; i < v.length; i++) {
      int at = i;
      assertTrue(Float.isFinite(v[i]), () -> what + ": entry " + at + " is " + v[at]);
    }
  }
}
