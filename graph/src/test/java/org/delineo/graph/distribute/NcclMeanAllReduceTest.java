package org.delineo.graph.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Replica;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The NCCL all-reduce's graph, forward and backward. The CPU build of TF registers the op but has
 * no kernel for it, so nothing here runs a session: it checks what a GPU session would be given.
 */
class NcclMeanAllReduceTest {

  @Test
  void towersMeetByKeyAndTheGradientIsASumAllReduceOnTheSameGpu() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      NcclMeanAllReduce allReduce = new NcclMeanAllReduce(2);
      List<Output<?>> xs = new ArrayList<>();
      Operand<TFloat32> loss = null;
      for (int r = 0; r < 2; r++) {
        GraphContext tower =
            ctx.withReplica(new Replica(r, 2, "/device:GPU:" + r, allReduce, true));
        Ops tf = tower.tf();
        Operand<TFloat32> x = tf.constant(new float[] {1f, 2f});
        Operand<TFloat32> towerLoss = tf.reduceSum(allReduce.mean(tower, x, "bn"), tf.constant(0));
        xs.add(x.asOutput());
        loss = loss == null ? towerLoss : ctx.tf().math.add(loss, towerLoss);
      }
      g.addGradients(loss.asOutput(), xs.toArray(Output<?>[]::new));

      List<GraphOperation> forward = new ArrayList<>();
      List<GraphOperation> backward = new ArrayList<>();
      g.operations().forEachRemaining(o -> {
        GraphOperation op = (GraphOperation) o;
        if (op.type().equals("NcclAllReduce")) {
          (op.name().startsWith("gradients") ? backward : forward).add(op);
        }
      });
      assertEquals(2, forward.size());
      assertEquals(2, backward.size());
      for (List<GraphOperation> ops : List.of(forward, backward)) {
        for (GraphOperation op : ops) {
          assertEquals("sum", op.attributes().getAttrString("reduction"));
          assertEquals(2, op.attributes().getAttrInt("num_devices"));
        }
      }
      assertEquals(List.of("bn#0", "bn#0"), sharedNames(forward));
      assertEquals(List.of("bn#0/gradient", "bn#0/gradient"), sharedNames(backward));
      assertEquals(List.of("/device:GPU:0", "/device:GPU:1"), devices(forward));
      assertEquals(devices(forward), devices(backward));
    }
  }

  private static List<String> sharedNames(List<GraphOperation> ops) {
    return ops.stream().map(o -> o.attributes().getAttrString("shared_name")).toList();
  }

  /** The devices in order of the op names (forward and backward ops are named alike). */
  private static List<String> devices(List<GraphOperation> ops) {
    return ops.stream().sorted((a, b) -> a.name().compareTo(b.name()))
        .map(GraphOperation::device).toList();
  }
}
