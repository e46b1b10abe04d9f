package org.delineo.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** {@link Replica} validation and the context a replica gives: its device, everything else shared. */
class ReplicaContextTest {
  private static final AllReduce NONE = (ctx, value, key) -> value;

  @Test
  void replicaContextPlacesOpsOnItsDeviceAndSharesTheRest() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      Operand<TInt64> step = ctx.tf().constant(3L);
      GraphContext base = ctx.withRandomStep(step);
      Replica replica = new Replica(1, 2, "/device:CPU:1", NONE, true);
      GraphContext tower = base.withReplica(replica);

      assertEquals("/device:CPU:1", device(tower.tf().constant(1f)));
      assertEquals("", device(base.tf().constant(1f)), "the original context stays unplaced");
      assertSame(replica, tower.replica().orElseThrow());
      assertTrue(base.replica().isEmpty());
      assertSame(ctx.variables(), tower.variables());
      assertSame(ctx.graph(), tower.graph());
      assertEquals(Mode.TRAIN, tower.mode());
      assertSame(step, tower.randomStep().orElseThrow());
      assertEquals(ctx.opSeed("drop"), tower.opSeed("drop"));

      // A variable created from the tower is one of the shared store's, unplaced.
      Operand<TFloat32> w = tower.variables().variable("w", Shape.of(2),
          org.delineo.graph.init.Initializers.zeros(), VariableKind.WEIGHT);
      assertEquals("", device(w));
      tower.addUpdateOp(tower.tf().noOp());
      assertEquals(1, ctx.updateOps().size(), "update ops recorded in the tower reach the step's list");

      GraphContext evalTower = tower.withMode(Mode.EVAL).withRandomStep(step);
      assertSame(replica, evalTower.replica().orElseThrow(), "withMode and withRandomStep keep it");
      assertEquals("/device:CPU:1", device(evalTower.tf().constant(1f)));
    }
  }

  @Test
  void deviceStringsOfEveryFormPlaceOps() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      assertEquals("/job:worker/replica:0/task:1/device:GPU:3",
          device(on(ctx, "/job:worker/replica:0/task:1/device:GPU:3").tf().constant(1f)));
      assertEquals("/device:CPU:0", device(on(ctx, "/cpu:0").tf().constant(1f)));
      assertEquals("", device(on(ctx, "").tf().constant(1f)), "the empty device leaves ops unplaced");
    }
  }

  @Test
  void rejectsIndexOutsideCountAndBadDevice() {
    assertEquals("replica index must lie in [0, 2), found 2",
        assertThrows(DelineoException.class, () -> new Replica(2, 2, "", NONE, false)).getMessage());
    assertThrows(DelineoException.class, () -> new Replica(-1, 2, "", NONE, false));
    assertEquals("replica count must be at least 1, found 0",
        assertThrows(DelineoException.class, () -> new Replica(0, 0, "", NONE, false)).getMessage());
    for (String bad : new String[] {"CPU:0", "/device:CPU", "/device:FPGA:0", "/device:CPU:0/x"}) {
      DelineoException e = assertThrows(DelineoException.class, () -> new Replica(0, 1, bad, NONE, false));
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }

  private static GraphContext on(GraphContext ctx, String device) {
    return ctx.withReplica(new Replica(0, 1, device, NONE, false));
  }

  private static String device(Operand<?> o) {
    return ((GraphOperation) o.op()).device();
  }
}
