package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.assertClose;
import static org.delineo.training.optim.Fixtures.fetch;
import static org.delineo.training.optim.Fixtures.quadraticLoss;
import static org.delineo.training.optim.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * SGD on L = ½ Σ a_i (p_i − c_i)² with p0 = [1, −2, 0.5], a = [1, 2, 0.5], c = [0, 1, 2], lr 0.1;
 * gradient g = a (p − c), so g0 = [1, −6, −0.75]. Expected values are worked out by hand in the
 * comments. Tolerance 1e-6 absolute (float32 rounding of values of order 1).
 */
class SgdOptimTest {
  private static final float[] P0 = {1f, -2f, 0.5f};
  private static final float[] A = {1f, 2f, 0.5f};
  private static final float[] C = {0f, 1f, 2f};
  private static final double TOL = 1e-6;

  @Test
  void plainSgd() {
    // p1 = p0 − 0.1·[1, −6, −0.75] = [0.9, −1.4, 0.575]
    // g1 = [0.9, 2·(−2.4), 0.5·(0.575 − 2)] = [0.9, −4.8, −0.7125]; p2 = p1 − 0.1·g1
    run(new Sgd(new ConstantSchedule(0.1f), 0f, false, 0f, null, null),
        new double[] {0.9, -1.4, 0.575},
        new double[] {0.81, -0.92, 0.64625});
  }

  @Test
  void momentumKeepsABufferStartingAtTheFirstGradient() {
    // step 1: buf = g0, p1 = p0 − 0.1·g0 = [0.9, −1.4, 0.575]
    // step 2: g1 = [0.9, −4.8, −0.7125], buf = 0.9·g0 + g1 = [1.8, −10.2, −1.3875]
    //         p2 = p1 − 0.1·buf = [0.72, −0.38, 0.71375]
    run(new Sgd(new ConstantSchedule(0.1f), 0.9f, false, 0f, List.of(), null),
        new double[] {0.9, -1.4, 0.575},
        new double[] {0.72, -0.38, 0.71375});
  }

  @Test
  void nesterovLooksAhead() {
    // step 1: buf = g0, p1 = p0 − 0.1·(g0 + 0.9·g0) = p0 − 0.19·g0 = [0.81, −0.86, 0.6425]
    // step 2: g1 = [0.81, 2·(−1.86), 0.5·(0.6425 − 2)] = [0.81, −3.72, −0.67875]
    //         buf = 0.9·g0 + g1 = [1.71, −9.12, −1.35375]
    //         g1 + 0.9·buf = [2.349, −11.928, −1.897125]
    //         p2 = p1 − 0.1·that = [0.5751, 0.3328, 0.8322125]
    run(new Sgd(new ConstantSchedule(0.1f), 0.9f, true, 0f, null, null),
        new double[] {0.81, -0.86, 0.6425},
        new double[] {0.5751, 0.3328, 0.8322125});
  }

  @Test
  void weightDecayIsAddedToTheGradientBeforeMomentum() {
    // wd 0.1 on a WEIGHT. step 1: g0' = g0 + 0.1·p0 = [1.1, −6.2, −0.7], buf = g0',
    //         p1 = p0 − 0.1·g0' = [0.89, −1.38, 0.57]
    // step 2: g1 = [0.89, 2·(−2.38), 0.5·(0.57 − 2)] = [0.89, −4.76, −0.715]
    //         g1' = g1 + 0.1·p1 = [0.979, −4.898, −0.658]
    //         buf = 0.9·g0' + g1' = [1.969, −10.478, −1.288]
    //         p2 = p1 − 0.1·buf = [0.6931, −0.3322, 0.6988]
    run(new Sgd(new ConstantSchedule(0.1f), 0.9f, false, 0.1f, null, null),
        new double[] {0.89, -1.38, 0.57},
        new double[] {0.6931, -0.3322, 0.6988});
  }

  @Test
  void momentumSlotIsNamedAfterTheVariable() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "head.conv.weight", VariableKind.WEIGHT, P0);
      new Sgd(new ConstantSchedule(0.1f), 0.9f, false, 0f, null, null)
          .minimize(ctx, quadraticLoss(ctx.tf(), p.value(), A, C), List.of(p));
      assertTrue(ctx.variables().find("head.conv.weight.momentum_buffer").isPresent());
      assertTrue(ctx.variables().find(GlobalStep.NAME).isPresent());
    }
  }

  @Test
  void weightDecayTermWaitsForTheGradients() {
    // Without a control dependency the decay product of each weight could run at the start of the
    // step and hold a copy of every weight through the forward and backward passes.
    for (Optimizer opt : List.of(new Sgd(new ConstantSchedule(0.1f), 0.9f, false, 0.1f, null, null),
        Adam.adam(new ConstantSchedule(0.1f)).weightDecay(0.1f).build())) {
      try (Graph g = new Graph()) {
        GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
        ModelVariable<TFloat32> p = variable(ctx, "head.conv.weight", VariableKind.WEIGHT, P0);
        opt.minimize(ctx, quadraticLoss(ctx.tf(), p.value(), A, C), List.of(p));
        int decayTerms = 0;
        for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
          GraphOperation op = it.next();
          if (op.type().equals("Mul") && (op.input(0).op().name().equals(p.value().op().name())
              || op.input(1).op().name().equals(p.value().op().name()))) {
            decayTerms++;
            assertTrue(op.numControlInputs() > 0, opt.getClass().getSimpleName() + ": " + op.name() + " runs unordered");
          }
        }
        assertEquals(1, decayTerms, opt.getClass().getSimpleName() + ": decay products of the weight");
      }
    }
  }

  @Test
  void rejectsInvalidHyperparameters() {
    assertThrows(DelineoException.class, () -> new Sgd(new ConstantSchedule(0.1f), 0f, true, 0f, null, null));
    assertThrows(DelineoException.class, () -> new Sgd(new ConstantSchedule(0.1f), 1f, false, 0f, null, null));
    assertThrows(DelineoException.class, () -> new Sgd(new ConstantSchedule(0.1f), 0f, false, -1f, null, null));
    assertThrows(DelineoException.class, () -> new Sgd(new ConstantSchedule(0.1f), 0f, false, 0f, null, 0f));
  }

  private static void run(Optimizer opt, double[] afterStep1, double[] afterStep2) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "head.conv.weight", VariableKind.WEIGHT, P0);
      Op train = opt.minimize(ctx, quadraticLoss(ctx.tf(), p.value(), A, C), List.of(p));
      try (Session s = new Session(g)) {
        s.initialize();
        s.run(train);
        assertClose(afterStep1, fetch(s, p.value()), TOL, "p after step 1");
        s.run(train);
        assertClose(afterStep2, fetch(s, p.value()), TOL, "p after step 2");
      }
    }
  }
}
