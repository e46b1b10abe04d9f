package org.delineo.graph.heads;

import static org.delineo.graph.heads.Mask2FormerDecoderLayerTest.placeholder;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.init.Initializers;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Mask2Former's attention mask against values worked out by hand: the bilinear align_corners=False
 * resize of the mask logits to the next level's size, the sigmoid < 0.5 threshold, the query-major
 * row-major flattening, the unblocking of rows blocked everywhere; and that no gradient reaches the
 * mask logits through it.
 */
class AttentionMasksTest {

  /** Runs {@code blocked} (as 0/1 floats) with the logits fed. */
  private static float[] run(Session s, Ops tf, Operand<TFloat32> in, Shape shape, float[] logits,
      Operand<TBool> blocked) {
    return FeedRun.on(s).feed(in, shape, logits).fetch(tf.dtypes.cast(blocked, TFloat32.class))[0];
  }

  @Test
  void downsamplingAveragesTwoByTwoBlocksThenThresholdsAndUnblocksFullRows() {
    // Logits [1, h=2, w=4, Q=2] resized to 1 × 2: with half-pixel centres each output samples
    // (0.5, 0.5) and (0.5, 2.5), i.e. the mean of a 2 × 2 block.
    // Query 0: left block (1, 2, −1, 0) → mean 0.5 (open); right block (−1, 0, 1, −1) → −0.25 (blocked).
    // Query 1: left block (−1, −1, −1, 2) → −0.25; right (−3, 1, −1, 0) → −0.75: every key blocked.
    float[] logits = new float[2 * 4 * 2];
    float[][] plane0 = {{1, 2, -1, 0}, {-1, 0, 1, -1}};
    float[][] plane1 = {{-1, -1, -3, 1}, {-1, 2, -1, 0}};
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 4; x++) {
        logits[(y * 4 + x) * 2] = plane0[y][x];
        logits[(y * 4 + x) * 2 + 1] = plane1[y][x];
      }
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> in = placeholder(tf, -1, -1, -1, 2);
      Operand<TBool> blocked = AttentionMasks.blockedKeys(tf, in, tf.constant(new int[] {1, 2}));
      Operand<TBool> open = AttentionMasks.unblockFullRows(tf, blocked);
      Shape shape = Shape.of(1, 2, 4, 2);
      assertArrayEquals(new float[] {0, 1, 1, 1}, run(s, tf, in, shape, logits, blocked),
          "[N, Q, h·w]: query 0 (open, blocked), query 1 (blocked, blocked)");
      assertArrayEquals(new float[] {0, 1, 0, 0}, run(s, tf, in, shape, logits, open),
          "query 1 was blocked everywhere and is opened; query 0 keeps its mask");
    }
  }

  @Test
  void upsamplingUsesHalfPixelCentresAndRowMajorKeys() {
    // One query, logits 1 × 2 = (1, −2.6) resized to 2 × 4. Half-pixel sources along the width:
    // (j + 0.5)·2/4 − 0.5 = −0.25 (clamped: 1), 0.25 (0.75·1 + 0.25·(−2.6) = 0.1),
    // 0.75 (0.25 − 1.95 = −1.7), 1.25 (clamped: −2.6) → open, open, blocked, blocked on both rows.
    // (align_corners=True would give 1, −0.2, ... and block the second key.)
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> in = placeholder(tf, -1, -1, -1, 1);
      Operand<TBool> blocked = AttentionMasks.blockedKeys(tf, in, tf.constant(new int[] {2, 4}));
      assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 1, 1},
          run(s, tf, in, Shape.of(1, 1, 2, 1), new float[] {1f, -2.6f}, blocked));
    }
  }

  @Test
  void noGradientReachesTheMaskLogits() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      Operand<TFloat32> logits = placeholder(tf, 1, 2, 2, 3);
      Operand<TFloat32> query = placeholder(tf, 1, 3, 4);
      Operand<TFloat32> memory = placeholder(tf, 1, 4, 4);
      Operand<TBool> blocked = AttentionMasks.blockedKeys(tf, logits, tf.constant(new int[] {2, 2}));
      Operand<TFloat32> y = new ResidualMultiheadAttention("attn", 4, 2, Initializers.xavierNormal())
          .apply(ctx, query, memory, memory, null, null, blocked);
      Output<?>[] grads = g.addGradients(tf.reduceSum(y, tf.constant(new int[] {0, 1, 2})).asOutput(),
          new Output<?>[] {logits.asOutput(), query.asOutput()});
      assertTrue(grads[0] == null || grads[0].isClosed(), "the mask is detached: no gradient to its logits");
      assertFalse(grads[1] == null || grads[1].isClosed(), "the attention itself is differentiable");
      // The gradient graph runs (no op without a gradient on the way).
      s.initialize();
      float[] dq = FeedRun.on(s)
          .feed(logits, Shape.of(1, 2, 2, 3), Mask2FormerDecoderLayerTest.uniform(12, 5))
          .feed(query, Shape.of(1, 3, 4), Mask2FormerDecoderLayerTest.uniform(12, 6))
          .feed(memory, Shape.of(1, 4, 4), Mask2FormerDecoderLayerTest.uniform(16, 7))
          .fetch(List.of(asFloat(grads[1])))[0];
      assertTrue(dq.length == 12);
    }
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> asFloat(Output<?> o) {
    return (Operand<TFloat32>) o;
  }
}
