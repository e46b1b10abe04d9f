package org.delineo.losses;

import static org.delineo.losses.LossTesting.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
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
import org.tensorflow.types.TInt32;

class OhemPixelSamplerTest {
  /** Weights are exactly 0 or 1. */
  private static final float EXACT = 0f;
  /** OHEM cross-entropy against the hand value: relative 1e-5. */
  private static final double REL_TOL = 1e-5;
  /** Scaled finite-difference error allowed (GradientCheck, eps 5e-3). */
  private static final double GRAD_TOL = 1e-3;

  /**
   * Six pixels, K = 2, whose ground-truth probabilities are q = {0.9, 0.3, 0.6, 0.8, ignored, 0.5}:
   * logits (ln(q/(1−q)), 0) for label 0 and (0, ln(q/(1−q))) for label 1, so softmax gives q.
   */
  private static final double[] Q = {0.9, 0.3, 0.6, 0.8, Double.NaN, 0.5};
  private static final int[] LABELS = {0, 1, 0, 1, 255, 0};
  private static final float[] LOGITS = logits();

  private static float[] logits() {
    float[] z = new float[12];
    for (int i = 0; i < 6; i++) {
      if (LABELS[i] == 255) {
        z[2 * i] = 5f;
        z[2 * i + 1] = -5f;
        continue;
      }
      z[2 * i + LABELS[i]] = (float) Math.log(Q[i] / (1 - Q[i]));
    }
    return z;
  }

  private static float[] weights(OhemPixelSampler sampler, Shape pixels, float[] z, int[] y) {
    Shape logits = Shape.of(pixels.asArray()).append(2);
    return FocalReference.values(logits, z, (tf, x) -> sampler.weights(tf, x, ints(tf, pixels, y)));
  }

  private static OhemPixelSampler sampler(Float thresh, int minKept) {
    return OhemPixelSampler.builder().thresh(thresh).minKept(minKept).build();
  }

  @Test
  void thresholdByHand() {
    Shape pixels = Shape.of(1, 2, 3);
    // Valid q sorted: 0.3, 0.5, 0.6, 0.8, 0.9 (n_valid 5).
    // thresh 0.7, minKept 2: sorted[min(2, 4)] = 0.6 < 0.7, threshold 0.7: q < 0.7 are pixels 1, 2, 5.
    assertArrayEquals(new float[] {0, 1, 1, 0, 0, 1},
        weights(sampler(0.7f, 2), pixels, LOGITS, LABELS), EXACT, "thresh dominates");
    // thresh 0.4, minKept 2: sorted[2] = 0.6 > 0.4, threshold 0.6: q < 0.6 are pixels 1 and 5.
    assertArrayEquals(new float[] {0, 1, 0, 0, 0, 1},
        weights(sampler(0.4f, 2), pixels, LOGITS, LABELS), EXACT, "min_kept dominates");
    // thresh 0.4, minKept 3: sorted[3] = 0.8: pixels 1, 2, 5.
    assertArrayEquals(new float[] {0, 1, 1, 0, 0, 1},
        weights(sampler(0.4f, 3), pixels, LOGITS, LABELS), EXACT, "min_kept 3");
    // minKept beyond n_valid: sorted[n_valid − 1] = 0.9, so all valid pixels but the most confident.
    assertArrayEquals(new float[] {0, 1, 1, 1, 0, 1},
        weights(sampler(0.7f, 100_000), pixels, LOGITS, LABELS), EXACT, "min_kept 100000");
    // The same six pixels as two images of 1 × 3: batch_kept = 2 × 2 = 4, sorted[4] = 0.9.
    assertArrayEquals(new float[] {0, 1, 1, 1, 0, 1},
        weights(sampler(0.4f, 2), Shape.of(2, 1, 3), LOGITS, LABELS), EXACT, "min_kept per image × batch");
    // Volumes [N, D, H, W, K] work alike.
    assertArrayEquals(new float[] {0, 1, 1, 0, 0, 1},
        weights(sampler(0.7f, 2), Shape.of(1, 1, 2, 3), LOGITS, LABELS), EXACT, "3D input");
  }

  @Test
  void topLossesByHandWithoutThresh() {
    // Cross-entropy −ln q is largest for the smallest q: 0.3 (pixel 1), 0.5 (5), 0.6 (2), 0.8 (3).
    Shape pixels = Shape.of(1, 2, 3);
    assertArrayEquals(new float[] {0, 1, 0, 0, 0, 1},
        weights(sampler(null, 2), pixels, LOGITS, LABELS), EXACT, "top 2");
    assertArrayEquals(new float[] {0, 1, 1, 0, 0, 1},
        weights(sampler(null, 3), pixels, LOGITS, LABELS), EXACT, "top 3");
    assertArrayEquals(new float[] {0, 1, 1, 1, 0, 1},
        weights(sampler(null, 2), Shape.of(2, 1, 3), LOGITS, LABELS), EXACT, "top 2 × 2 images");
    assertArrayEquals(new float[] {1, 1, 1, 1, 0, 1},
        weights(sampler(null, 100_000), pixels, LOGITS, LABELS), EXACT, "more than valid: all valid");
  }

  @Test
  void allIgnoredGivesZeroWeights() {
    int[] none = new int[6];
    Arrays.fill(none, 255);
    for (Float thresh : new Float[] {0.7f, null}) {
      assertArrayEquals(new float[6], weights(sampler(thresh, 2), Shape.of(1, 2, 3), LOGITS, none), EXACT,
          "all ignored, thresh " + thresh);
    }
  }

  @Test
  void ohemCrossEntropyKeepsTheNonIgnoredDivisor() {
    Shape pixels = Shape.of(1, 2, 3);
    Shape logits = Shape.of(1, 2, 3, 2);
    OhemPixelSampler ohem = sampler(0.7f, 2);
    CrossEntropyLoss ce = CrossEntropyLoss.builder().build();
    // Kept pixels 1, 2, 5; divisor: all 5 valid pixels (+ ε_f32).
    double expected = -(Math.log(0.3) + Math.log(0.6) + Math.log(0.5)) / (5 + FocalReference.F32_EPS);
    float actual = LossTesting.evaluate(logits, LOGITS, (tf, x) -> {
      Operand<TInt32> y = ints(tf, pixels, LABELS);
      return ce.apply(tf, x, y, ohem.weights(tf, x, y));
    });
    assertEquals(expected, actual, REL_TOL * expected, "OHEM cross-entropy (relative " + REL_TOL + ")");
    // The weights are constants for the gradient: only the kept pixels' CE terms are differentiated.
    LossTesting.gradientError(logits, LOGITS, GRAD_TOL, (tf, x) -> {
      Operand<TInt32> y = ints(tf, pixels, LABELS);
      return ce.apply(tf, x, y, ohem.weights(tf, x, y));
    });
  }

  @Test
  void weightsCarryNoGradient() {
    Shape logits = Shape.of(1, 2, 3, 2);
    for (Float thresh : new Float[] {0.7f, null}) {
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(logits));
        Operand<TFloat32> w = sampler(thresh, 2).weights(tf, x, ints(tf, Shape.of(1, 2, 3), LABELS));
        Operand<TFloat32> total = tf.reduceSum(tf.reshape(w, tf.constant(new long[] {-1})), tf.constant(0));
        Output<?>[] grad = g.addGradients(total.asOutput(), new Output<?>[] {x.asOutput()});
        if (grad[0].isClosed()) {
          continue; // no differentiable path at all (StopGradient)
        }
        try (Session s = new Session(g); TFloat32 feed = Tensors.floats(logits, LOGITS);
            Result r = s.runner().feed(x, feed).fetch(grad[0]).run()) {
          assertArrayEquals(new float[12], Tensors.toFloats(r.get(0)), 0f, "zero gradient, thresh " + thresh);
        }
      }
    }
  }

  @Test
  void rejectsBadSettings() {
    assertThrows(DelineoException.class, () -> sampler(0.7f, 1));
    assertThrows(DelineoException.class, () -> sampler(1.5f, 2));
    OhemPixelSampler d = OhemPixelSampler.builder().build();
    assertEquals(0.7f, d.thresh());
    assertEquals(100_000, d.minKept());
  }
}
