package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.fetchLong;
import static org.delineo.training.optim.Fixtures.quadraticLoss;
import static org.delineo.training.optim.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The global step counts applied steps exactly. */
class GlobalStepOptimTest {

  @Test
  void incrementsByOnePerAppliedStep() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "w", VariableKind.WEIGHT, 1f, 2f);
      Operand<TFloat32> loss = quadraticLoss(ctx.tf(), p.value(), new float[] {1f, 1f}, new float[] {0f, 0f});
      Op sgd = new Sgd(new ConstantSchedule(0.1f), 0.9f, false, 0f, null, null).minimize(ctx, loss, List.of(p));
      // a second optimizer in the same graph: names must not clash, slots are its own
      Op adam = Adam.adam(new ConstantSchedule(0.1f)).build().minimize(ctx, loss, List.of(p));
      Op extra = new Sgd(new ConstantSchedule(0.1f), 0f, false, 0f, null, null)
          .applyGradients(ctx, Gradients.of(ctx, loss, List.of(p)), false);
      Operand<TInt64> step = GlobalStep.of(ctx).value();
      assertSame(GlobalStep.of(ctx).variable(), ctx.variables().find("global_step").orElseThrow());
      assertEquals(VariableKind.STATE, GlobalStep.of(ctx).variable().kind());
      try (Session s = new Session(g)) {
        s.initialize();
        assertEquals(0, fetchLong(s, step));
        for (int i = 1; i <= 3; i++) {
          s.run(sgd);
          assertEquals(i, fetchLong(s, step), "after " + i + " SGD steps");
        }
        s.run(adam);
        assertEquals(4, fetchLong(s, step), "after the Adam step");
        s.run(extra);
        assertEquals(4, fetchLong(s, step), "an update built with advanceStep=false");
      }
    }
  }
}
