package org.delineo.graph.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.testing.StateDictFeeds;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * One Mask2Former decoder layer (masked cross-attention, self-attention, FFN, each post-normed)
 * against {@link PlainMask2Former#layer}: per-head loops, blocked keys left out of the softmax, and a
 * query whose keys are all blocked attending to every key (mmdet unblocks such rows).
 */
class Mask2FormerDecoderLayerTest {
  private static final int C = 8;
  private static final int HEADS = 2;
  private static final int FFN = 16;
  private static final int B = 2;
  private static final int Q = 4;
  private static final int K = 6;
  private static final double TOL = 2e-5;

  @Test
  void layerMatchesPlainJavaWithBlockedKeysAndAFullyBlockedRow() {
    // Sample 0: query 0 blocks keys 1 and 3, query 1 blocks every key (→ none), query 2 none,
    // query 3 all but key 5. Sample 1: query 0 all but key 0, query 1 none, query 2 blocks every
    // key (→ none), query 3 blocks keys 0..2.
    boolean[][][] blocked = {
      {{false, true, false, true, false, false}, {true, true, true, true, true, true},
       {false, false, false, false, false, false}, {true, true, true, true, true, false}},
      {{false, true, true, true, true, true}, {false, false, false, false, false, false},
       {true, true, true, true, true, true}, {true, true, true, false, false, false}}
    };
    float[] mask = new float[B * Q * K];
    for (int b = 0; b < B; b++) {
      for (int q = 0; q < Q; q++) {
        for (int k = 0; k < K; k++) {
          mask[(b * Q + q) * K + k] = blocked[b][q][k] ? 1f : 0f;
        }
      }
    }
    float[] query = uniform(B * Q * C, 1);
    float[] memory = uniform(B * K * C, 2);
    float[] queryPos = uniform(Q * C, 3);
    float[] memoryPos = uniform(B * K * C, 4);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      Operand<TFloat32> qIn = placeholder(tf, -1, Q, C);
      Operand<TFloat32> mIn = placeholder(tf, -1, -1, C);
      Operand<TFloat32> qPos = placeholder(tf, Q, C);
      Operand<TFloat32> mPos = placeholder(tf, -1, -1, C);
      Operand<TFloat32> maskIn = placeholder(tf, -1, Q, -1);
      Operand<TBool> block = tf.math.greater(maskIn, tf.constant(0.5f));
      String name = "decode_head.transformer_decoder.layers.0";
      Operand<TFloat32> y =
          new Mask2FormerDecoderLayer(name, C, HEADS, FFN).apply(ctx, qIn, mIn, qPos, mPos, block);
      assertArrayEquals(new long[] {-1, Q, C}, y.shape().asArray());
      assertEquals(2 * 4 + 4 + 3 * 2, ctx.variables().all().size(), "2 × 4 attention, 4 FFN, 3 × 2 norm variables");
      try (StateDictFeeds weights = StateDictFeeds.random(ctx.variables(), 11)) {
        float[] out = FeedRun.on(s).weights(weights)
            .feed(qIn, Shape.of(B, Q, C), query).feed(mIn, Shape.of(B, K, C), memory)
            .feed(qPos, Shape.of(Q, C), queryPos).feed(mPos, Shape.of(B, K, C), memoryPos)
            .feed(maskIn, Shape.of(B, Q, K), mask).fetch(y)[0];
        PlainMask2Former plain = new PlainMask2Former(weights.ours(), "decode_head",
            new Mask2FormerDecoderConfig(3, C, HEADS, FFN, Q, 1, 1));
        double[][] qp = tokens(queryPos, 0, Q);
        double maxDiff = 0;
        for (int b = 0; b < B; b++) {
          double[][] expected = plain.layer(0, tokens(query, b, Q), tokens(memory, b, K), qp,
              tokens(memoryPos, b, K), blocked[b]);
          for (int q = 0; q < Q; q++) {
            for (int c = 0; c < C; c++) {
              maxDiff = Math.max(maxDiff, Math.abs(expected[q][c] - out[(b * Q + q) * C + c]));
            }
          }
        }
        assertTrue(maxDiff <= TOL, "layer output differs from the plain-Java layer by " + maxDiff);
      }
    }
  }

  static Operand<TFloat32> placeholder(Ops tf, long... dims) {
    return tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  static float[] uniform(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (2 * r.nextDouble() - 1);
    }
    return v;
  }

  /** Sample {@code b}'s tokens [rows][C] of a row-major [B, rows, C] array. */
  static double[][] tokens(float[] flat, int b, int rows) {
    double[][] t = new double[rows][C];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < C; c++) {
        t[r][c] = flat[(b * rows + r) * C + c];
      }
    }
    return t;
  }
}
