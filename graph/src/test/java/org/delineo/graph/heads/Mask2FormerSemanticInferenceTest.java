package org.delineo.graph.heads;

import static org.delineo.graph.heads.Mask2FormerDecoderLayerTest.placeholder;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's semantic inference (softmax without the no-object column × sigmoid of the mask logits
 * resized bilinearly, align_corners=False, summed over queries) against values worked out by hand.
 */
class Mask2FormerSemanticInferenceTest {
  private static final float TOL = 1e-6f;

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  @Test
  void oneQueryTwoClassesUpsampledFromOneByTwoToTwoByFour() {
    // Class logits (0.5, −1, 0.2), the last is no-object: p = e^l / Σ e^l, keep p0, p1.
    double z = Math.exp(0.5) + Math.exp(-1) + Math.exp(0.2);
    double p0 = Math.exp(0.5) / z;
    double p1 = Math.exp(-1) / z;
    // Mask logits 1 × 2 = (1, −2) → 2 × 4; half-pixel sources along the width −0.25 (clamped to 0),
    // 0.25, 0.75, 1.25 (clamped to 1): 1, 0.75 − 0.5 = 0.25, 0.25 − 1.5 = −1.25, −2; rows repeat.
    // The sigmoid comes after the resize (mmseg's order).
    double[] m = {1, 0.25, -1.25, -2};
    float[] expected = new float[2 * 4 * 2];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 4; x++) {
        expected[(y * 4 + x) * 2] = (float) (p0 * sigmoid(m[x]));
        expected[(y * 4 + x) * 2 + 1] = (float) (p1 * sigmoid(m[x]));
      }
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> cls = placeholder(tf, -1, -1, 3);
      Operand<TFloat32> masks = placeholder(tf, -1, -1, -1, -1);
      Operand<TFloat32> scores = Mask2FormerSemanticInference.scores(tf, cls, masks, 2, 4);
      assertEquals(2, scores.shape().get(3), "K channels, no-object dropped");
      float[] out = FeedRun.on(s).feed(cls, Shape.of(1, 1, 3), new float[] {0.5f, -1f, 0.2f})
          .feed(masks, Shape.of(1, 1, 1, 2), new float[] {1f, -2f}).fetch(scores)[0];
      assertArrayEquals(expected, out, TOL);
    }
  }

  @Test
  void queriesAddTheirClassWeightedMasks() {
    // Two queries on a 1 × 1 map kept at 1 × 1: score(c) = Σ_q p_q(c)·σ(m_q).
    double z0 = Math.exp(2) + Math.exp(0) + Math.exp(0);
    double z1 = Math.exp(0) + Math.exp(1) + Math.exp(-1);
    double s0 = Math.exp(2) / z0 * sigmoid(0.5) + Math.exp(0) / z1 * sigmoid(-1);
    double s1 = Math.exp(0) / z0 * sigmoid(0.5) + Math.exp(1) / z1 * sigmoid(-1);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> cls = placeholder(tf, 1, 2, 3);
      Operand<TFloat32> masks = placeholder(tf, 1, 2, 1, 1);
      Operand<TFloat32> scores = Mask2FormerSemanticInference.scores(tf, cls, masks, 1, 1);
      float[] out = FeedRun.on(s).feed(cls, Shape.of(1, 2, 3), new float[] {2, 0, 0, 0, 1, -1})
          .feed(masks, Shape.of(1, 2, 1, 1), new float[] {0.5f, -1f}).fetch(scores)[0];
      assertArrayEquals(new float[] {(float) s0, (float) s1}, out, TOL);
    }
  }
}
