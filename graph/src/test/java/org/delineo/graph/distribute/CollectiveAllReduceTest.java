package org.delineo.graph.distribute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The collective mean between the two CPU devices of one session: values, gradient, keys. */
class CollectiveAllReduceTest {
  private static final float[] X0 = {1f, 2f, -3f};
  private static final float[] X1 = {3f, 6f, 5f};
  private static final float[] MEAN = {2f, 4f, 1f};

  @Test
  void meanOfTwoCpuDevicesOnEveryRun() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      CollectiveAllReduce allReduce = new CollectiveAllReduce(2, 7, 30f);
      GraphContext t0 = TwoCpuTowers.tower(ctx, 0, allReduce, true);
      GraphContext t1 = TwoCpuTowers.tower(ctx, 1, allReduce, true);
      Operand<TFloat32> m0 = allReduce.mean(t0, t0.tf().constant(X0), "k");
      Operand<TFloat32> m1 = allReduce.mean(t1, t1.tf().constant(X1), "k");
      assertEquals("/device:CPU:0", ((GraphOperation) m0.op()).device());
      assertEquals("/device:CPU:1", ((GraphOperation) m1.op()).device());
      try (Session s = TwoCpuTowers.session(g)) {
        for (int step = 0; step < 3; step++) {
          float[][] out = fetch(s, m0, m1);
          assertArrayEquals(MEAN, out[0], 1e-6f, "tower 0, run " + step);
          assertArrayEquals(MEAN, out[1], 1e-6f, "tower 1, run " + step);
        }
      }
    }
  }

  /**
   * loss = Σ m²·c0 (tower 0) + Σ m²·c1 (tower 1) with m = (x0 + x1)/2: d loss/d x_r = m·(c0 + c1)
   * for both towers (m² has derivative 2m, times the 1/2 of the mean).
   */
  @Test
  void gradientIsTheMeanOfTheUpstreamGradients() {
    float[] c0 = {1f, 10f, 0.5f};
    float[] c1 = {100f, 1000f, -2f};
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      CollectiveAllReduce allReduce = new CollectiveAllReduce(2, 7, 30f);
      List<Operand<TFloat32>> xs = new ArrayList<>();
      List<Operand<TFloat32>> losses = new ArrayList<>();
      float[][] inputs = {X0, X1};
      float[][] weights = {c0, c1};
      for (int r = 0; r < 2; r++) {
        GraphContext tower = TwoCpuTowers.tower(ctx, r, allReduce, true);
        Ops tf = tower.tf();
        Operand<TFloat32> x = tf.constant(inputs[r]);
        Operand<TFloat32> m = allReduce.mean(tower, x, "k");
        xs.add(x);
        losses.add(tf.reduceSum(tf.math.mul(tf.math.square(m), tf.constant(weights[r])), tf.constant(0)));
      }
      Operand<TFloat32> loss = ctx.tf().math.add(losses.get(0), losses.get(1));
      Output<?>[] grads = g.addGradients(loss.asOutput(), new Output<?>[] {xs.get(0).asOutput(), xs.get(1).asOutput()});
      float[] expected = new float[3];
      for (int i = 0; i < 3; i++) {
        expected[i] = MEAN[i] * (c0[i] + c1[i]);
      }
      try (Session s = TwoCpuTowers.session(g)) {
        float[][] out = fetch(s, typed(grads[0]), typed(grads[1]));
        assertArrayEquals(expected, out[0], 1e-3f, "d loss / d x0");
        assertArrayEquals(expected, out[1], 1e-3f, "d loss / d x1");
      }
    }
  }

  @Test
  void membersShareInstanceKeysAndSameBuildOrderGivesSameKeys() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      CollectiveAllReduce process = new CollectiveAllReduce(2, 7, 30f);
      CollectiveAllReduce otherProcess = new CollectiveAllReduce(2, 7, 30f);
      Operand<TFloat32> x = ctx.tf().constant(X0);
      GraphContext t0 = TwoCpuTowers.tower(ctx, 0, process, true);
      GraphContext t1 = TwoCpuTowers.tower(ctx, 1, process, true);
      // Replica 0 builds two collectives before replica 1 builds its first: keys follow names, not order.
      GraphOperation a0 = op(process.mean(t0, x, "bn/mean"));
      GraphOperation b0 = op(process.mean(t0, x, "bn/var"));
      GraphOperation a1 = op(process.mean(t1, x, "bn/mean"));
      GraphOperation b1 = op(process.mean(t1, x, "bn/var"));
      GraphOperation aAgain0 = op(process.mean(t0, x, "bn/mean"));
      assertEquals(instanceKey(a0), instanceKey(a1), "the same key in both replicas");
      assertEquals(instanceKey(b0), instanceKey(b1));
      assertEquals(gradientKey(a0), gradientKey(a1), "the same gradient key in both replicas");
      List<Long> distinct = List.of(instanceKey(a0), instanceKey(b0), instanceKey(aAgain0),
          gradientKey(a0), gradientKey(b0), gradientKey(aAgain0));
      assertEquals(distinct.size(), distinct.stream().distinct().count(),
          "a second use in one replica, and every gradient, is another instance: " + distinct);

      // Another process building the same graph in the same order.
      GraphContext other0 = TwoCpuTowers.tower(ctx, 0, otherProcess, true);
      assertEquals(instanceKey(a0), instanceKey(op(otherProcess.mean(other0, x, "bn/mean"))));
      assertEquals(instanceKey(b0), instanceKey(op(otherProcess.mean(other0, x, "bn/var"))));
      assertEquals(gradientKey(aAgain0), gradientKey(op(otherProcess.mean(other0, x, "bn/mean"))));
    }
  }

  @Test
  void aMemberThatNeverArrivesFailsAfterTheTimeout() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      CollectiveAllReduce allReduce = new CollectiveAllReduce(2, 7, 1f);
      GraphContext t0 = TwoCpuTowers.tower(ctx, 0, allReduce, true);
      Operand<TFloat32> m0 = allReduce.mean(t0, t0.tf().constant(X0), "k");
      assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
        try (Session s = TwoCpuTowers.session(g)) {
          RuntimeException e = assertThrows(RuntimeException.class, () -> fetch(s, m0));
          assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
      });
    }
  }

  @Test
  void aGroupOfOneBuildsNoCollective() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> x = ctx.tf().constant(X0);
      assertSame(x, new CollectiveAllReduce(1, 7, 30f).mean(ctx, x, "k"));
      assertSame(x, IdentityAllReduce.INSTANCE.mean(ctx, x, "k"));
      assertSame(x, new NcclMeanAllReduce(1).mean(ctx, x, "k"));
      g.operations().forEachRemaining(o -> assertNotEquals(CollectiveAllReduce.OP_TYPE, o.type()));
    }
  }

  @Test
  void rejectsBadGroupSizeTimeoutAndHint() {
    assertEquals("all-reduce group size must be at least 1, found 0",
        assertThrows(DelineoException.class, () -> new CollectiveAllReduce(0, 1, 1f)).getMessage());
    assertThrows(DelineoException.class, () -> new CollectiveAllReduce(2, 1, -1f));
    assertThrows(DelineoException.class, () -> new CollectiveAllReduce(2, 1, Float.NaN));
    assertThrows(DelineoException.class, () -> new CollectiveAllReduce(2, 1, 1f, "mpi"));
    assertThrows(DelineoException.class, () -> new NcclMeanAllReduce(0));
  }

  private static GraphOperation op(Operand<?> o) {
    return (GraphOperation) o.op();
  }

  /** The value of the forward op's instance_key input (a constant). */
  private static long instanceKey(GraphOperation collective) {
    GraphOperation constant = (GraphOperation) collective.input(3).op();
    try (Tensor t = constant.attributes().getAttrTensor("value")) {
      return t.asRawTensor().data().asInts().getInt(0);
    }
  }

  private static long gradientKey(GraphOperation collective) {
    return collective.attributes().getAttrInt(CollectiveAllReduce.GRADIENT_INSTANCE_KEY);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> typed(Output<?> o) {
    return (Operand<TFloat32>) o;
  }

  @SafeVarargs
  private static float[][] fetch(Session s, Operand<TFloat32>... fetches) {
    Session.Runner runner = s.runner();
    for (Operand<TFloat32> f : fetches) {
      runner.fetch(f);
    }
    try (Result r = runner.run()) {
      float[][] out = new float[fetches.length][];
      for (int i = 0; i < fetches.length; i++) {
        out[i] = Tensors.toFloats(r.get(i));
      }
      return out;
    }
  }
}
