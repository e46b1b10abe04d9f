package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.AllReduce;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Replica;
import org.delineo.graph.distribute.CollectiveAllReduce;
import org.delineo.graph.distribute.IdentityAllReduce;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Synchronised batch norm: two replicas on {@code /device:CPU:0} and {@code :1}, each on half of a
 * batch, against one BatchNorm (no replica) on the whole batch and on each half.
 */
class BatchNormSyncTest {
  private static final ConfigProto TWO_CPUS =
      ConfigProto.newBuilder().putDeviceCount("CPU", 2).setAllowSoftPlacement(false).build();
  private static final double TOL = 1e-4;
  private static final float[] WEIGHT = {1.5f, -0.5f, 0.8f};
  private static final float[] BIAS = {0.2f, 0.1f, -0.3f};

  /** What a graph gives for (x, c): output, d/dx, d/dweight, d/dbias of Σ y·c, and the running stats. */
  private record Outcome(float[] y, float[] dx, float[] dWeight, float[] dBias, float[] mean, float[] var) {}

  @Test
  void syncedReplicasMatchOneBatchNormOnTheWholeBatch() {
    for (Shape whole : List.of(Shape.of(4, 1, 2, 3), Shape.of(4, 3))) {
      float[] x = uniform(whole.size(), 11, -2, 3);
      float[] c = uniform(whole.size(), 12, -1, 1);
      Outcome single = single(whole, x, c);
      Outcome towers = towers(whole, x, c, true);
      String at = " at " + whole;
      assertClose(single.y(), towers.y(), TOL, "output" + at);
      assertClose(single.dx(), towers.dx(), TOL, "d/dx" + at);
      assertClose(single.dWeight(), towers.dWeight(), TOL, "d/dweight (sum over towers)" + at);
      assertClose(single.dBias(), towers.dBias(), TOL, "d/dbias (sum over towers)" + at);
      assertClose(single.mean(), towers.mean(), 1e-5, "running_mean after one update" + at);
      assertClose(single.var(), towers.var(), 1e-5, "running_var after one update" + at);
    }
  }

  /**
   * Values 100 ± 1: the whole-batch variance from raw squares, E[x²] − mean², would lose about three
   * of float's seven digits to cancellation; merging per-replica variances keeps them.
   */
  @Test
  void syncedStatisticsStayAccurateFarFromZero() {
    Shape whole = Shape.of(4, 1, 2, 3);
    float[] x = uniform(whole.size(), 13, 99, 101);
    float[] c = uniform(whole.size(), 12, -1, 1);
    Outcome single = single(whole, x, c);
    Outcome towers = towers(whole, x, c, true);
    assertClose(single.y(), towers.y(), TOL, "output");
    assertClose(single.var(), towers.var(), 1e-5, "running_var after one update");
  }

  @Test
  void unsyncedReplicasNormaliseEachHalfWithItsOwnStatistics() {
    Shape whole = Shape.of(4, 1, 2, 3);
    float[] x = uniform(whole.size(), 11, -2, 3);
    float[] c = uniform(whole.size(), 12, -1, 1);
    Outcome towers = towers(whole, x, c, false);
    int half = x.length / 2;
    Shape halfShape = Shape.of(2, 1, 2, 3);
    float[] first = single(halfShape, Arrays.copyOfRange(x, 0, half), Arrays.copyOfRange(c, 0, half)).y();
    float[] second = single(halfShape, Arrays.copyOfRange(x, half, x.length), Arrays.copyOfRange(c, half, x.length)).y();
    assertClose(first, Arrays.copyOfRange(towers.y(), 0, half), TOL, "tower 0 = BatchNorm of its half");
    assertClose(second, Arrays.copyOfRange(towers.y(), half, x.length), TOL, "tower 1 = BatchNorm of its half");
    float[] wholeY = single(whole, x, c).y();
    double largest = 0;
    for (int i = 0; i < x.length; i++) {
      largest = Math.max(largest, Math.abs(wholeY[i] - towers.y()[i]));
    }
    assertTrue(largest > 0.05, "per-tower statistics differ from the whole batch's, by " + largest);
  }

  @Test
  void aSingleReplicaWithSyncIsTodaysBatchNorm() {
    Shape shape = Shape.of(2, 1, 2, 3);
    float[] x = uniform(shape.size(), 11, -2, 3);
    float[] c = uniform(shape.size(), 12, -1, 1);
    Outcome plain = single(shape, x, c);
    Outcome replica;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      GraphContext one = ctx.withReplica(new Replica(0, 1, "", IdentityAllReduce.INSTANCE, true));
      replica = run(g, s, ctx, List.of(one), shape, x, c);
      assertTrue(hasOp(g, "FusedBatchNormV3"), "the fused kernel, as without a replica");
    }
    assertArrayEquals(plain.y(), replica.y());
    assertArrayEquals(plain.dx(), replica.dx());
    assertArrayEquals(plain.dWeight(), replica.dWeight());
    assertArrayEquals(plain.mean(), replica.mean());
    assertArrayEquals(plain.var(), replica.var());
  }

  /** One BatchNorm on the whole batch, no replica, in a plain session. */
  private static Outcome single(Shape shape, float[] x, float[] c) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      return run(g, s, ctx, List.of(ctx), shape, x, c);
    }
  }

  /** Two replicas on CPU:0 and CPU:1, each on one half of the batch (along axis 0). */
  private static Outcome towers(Shape whole, float[] x, float[] c, boolean sync) {
    try (Graph g = new Graph(); Session s = new Session(g, TWO_CPUS)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      AllReduce allReduce = new CollectiveAllReduce(2, 1, 30f);
      List<GraphContext> replicas = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        replicas.add(ctx.withReplica(new Replica(r, 2, "/device:CPU:" + r, allReduce, sync)));
      }
      return run(g, s, ctx, replicas, whole, x, c);
    }
  }

  /**
   * Applies one BatchNorm in every context to its equal share of x (along axis 0); per context
   * d/dx, d/dweight, d/dbias of its own Σ y·c (one addGradients per tower, as a data-parallel step
   * does), weight and bias gradients summed; then runs the update ops once and reads the running
   * statistics.
   */
  private static Outcome run(Graph g, Session s, GraphContext ctx, List<GraphContext> towers,
      Shape whole, float[] x, float[] c) {
    BatchNorm bn = new BatchNorm("bn");
    int parts = towers.size();
    long[] dims = whole.asArray();
    dims[0] /= parts;
    Shape partShape = Shape.of(dims);
    int partSize = (int) partShape.size();
    List<Operand<TFloat32>> xs = new ArrayList<>();
    List<Operand<TFloat32>> ys = new ArrayList<>();
    List<Output<?>[]> grads = new ArrayList<>();
    for (int r = 0; r < parts; r++) {
      GraphContext tower = towers.get(r);
      Ops tf = tower.tf();
      Operand<TFloat32> xr = placeholder(tower, dims);
      Operand<TFloat32> yr = bn.apply(tower, xr);
      float[] cr = Arrays.copyOfRange(c, r * partSize, (r + 1) * partSize);
      Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(yr, tf.constant(partShape, DataBuffers.of(cr))),
          tf.range(tf.constant(0), tf.constant(dims.length), tf.constant(1)));
      xs.add(xr);
      ys.add(yr);
      grads.add(g.addGradients(loss.asOutput(), new Output<?>[] {
          xr.asOutput(), read(ctx, "bn.weight").asOutput(), read(ctx, "bn.bias").asOutput()}));
    }
    s.initialize();
    FeedAndFetch run = FeedAndFetch.on(s)
        .feed(read(ctx, "bn.weight"), Shape.of(3), WEIGHT)
        .feed(read(ctx, "bn.bias"), Shape.of(3), BIAS);
    for (int r = 0; r < parts; r++) {
      run.feed(xs.get(r), partShape, Arrays.copyOfRange(x, r * partSize, (r + 1) * partSize));
    }
    List<Operand<TFloat32>> fetches = new ArrayList<>(ys);
    for (Output<?>[] gr : grads) {
      for (Output<?> o : gr) {
        fetches.add(typed(o));
      }
    }
    @SuppressWarnings("unchecked")
    float[][] out = run.fetch(fetches.toArray(Operand[]::new));
    float[] y = new float[x.length];
    float[] dx = new float[x.length];
    float[] dWeight = new float[3];
    float[] dBias = new float[3];
    for (int r = 0; r < parts; r++) {
      System.arraycopy(out[r], 0, y, r * partSize, partSize);
      System.arraycopy(out[parts + 3 * r], 0, dx, r * partSize, partSize);
      for (int k = 0; k < 3; k++) {
        dWeight[k] += out[parts + 3 * r + 1][k];
        dBias[k] += out[parts + 3 * r + 2][k];
      }
    }
    FeedAndFetch update = FeedAndFetch.on(s);
    for (int r = 0; r < parts; r++) {
      update.feed(xs.get(r), partShape, Arrays.copyOfRange(x, r * partSize, (r + 1) * partSize));
    }
    // Replica 0 alone updates the running statistics (two towers' read-modify-write updates of
    // the same variables would compound in whichever order the executor ran them).
    assertEquals(2, ctx.updateOps().size(), "two updates, from replica 0 only");
    // As in a training step, every tower runs with the updates (a synchronised tower's all-reduce
    // waits for the others).
    List<Op> targets = new ArrayList<>(ctx.updateOps());
    ys.forEach(tower -> targets.add(ctx.tf().identity(tower)));
    update.runTargets(targets);
    float[][] running = FeedAndFetch.on(s).fetch(read(ctx, "bn.running_mean"), read(ctx, "bn.running_var"));
    return new Outcome(y, dx, dWeight, dBias, running[0], running[1]);
  }

  private static boolean hasOp(Graph g, String type) {
    boolean[] found = {false};
    g.operations().forEachRemaining(o -> found[0] |= o.type().equals(type));
    return found[0];
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> typed(Output<?> o) {
    return (Operand<TFloat32>) o;
  }
}
