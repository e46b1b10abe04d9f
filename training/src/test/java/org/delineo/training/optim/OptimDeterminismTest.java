package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.fetch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.VariableKind;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The same tiny model built twice (separate graphs and sessions, same seed) and trained 20 steps
 * ends with bit-identical variables and losses (no tolerance): no op of the step is racy.
 */
class OptimDeterminismTest {
  private static final int STEPS = 20;
  private static final float[][] X = {{0.5f, -1f, 2f}, {1.5f, 0.2f, -0.3f}, {-0.7f, 0.9f, 0.1f}, {0f, -2f, 1f}};
  private static final float[][] Y = {{1f, 0f}, {0f, 1f}, {0.5f, 0.5f}, {-1f, 2f}};

  @Test
  void adamWithAmsgradDecayAndClippingIsBitReproducible() {
    Supplier<Optimizer> adam = () -> Adam.adamW(new ConstantSchedule(0.01f), 0.01f)
        .amsgrad(true)
        .clipNorm(1f)
        .groups(List.of(new ParameterGroup("fc1.", 0.5f, null)))
        .build();
    assertReproducible(adam);
  }

  @Test
  void nesterovSgdWithWarmupPolyScheduleIsBitReproducible() {
    Supplier<Optimizer> sgd = () -> new Sgd(
        new LinearWarmup(new PolySchedule(0.05f, 0.9f, 1e-4f, STEPS), 5, 0.1f),
        0.9f, true, 1e-3f, null, 5f);
    assertReproducible(sgd);
  }

  private static void assertReproducible(Supplier<Optimizer> optimizer) {
    Trained first = train(optimizer.get());
    Trained second = train(optimizer.get());
    assertEquals(first.values.size(), second.values.size());
    for (int i = 0; i < first.values.size(); i++) {
      assertArrayEquals(first.values.get(i), second.values.get(i), "variable " + i + " (bit-identical)");
    }
    assertArrayEquals(first.losses, second.losses, "loss trajectory (bit-identical)");
    assertTrue(first.losses[STEPS - 1] < first.losses[0], "training must reduce the loss");
  }

  private record Trained(List<float[]> values, float[] losses) {}

  private static Trained train(Optimizer optimizer) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 42);
      Ops tf = ctx.tf();
      Operand<TFloat32> h = tf.nn.relu(linear(ctx, "fc1", tf.constant(X), 3, 5));
      Operand<TFloat32> out = linear(ctx, "fc2", h, 5, 2);
      Operand<TFloat32> loss =
          tf.math.mean(tf.math.square(tf.math.sub(out, tf.constant(Y))), tf.constant(new int[] {0, 1}));
      List<ModelVariable<TFloat32>> vars = ctx.variables().trainable();
      Op train = optimizer.minimize(ctx, loss, vars);
      try (Session s = new Session(g)) {
        s.initialize();
        float[] losses = new float[STEPS];
        for (int i = 0; i < STEPS; i++) {
          try (Result r = s.runner().fetch(loss).addTarget(train).run()) {
            losses[i] = ((TFloat32) r.get(0)).getFloat();
          }
        }
        List<float[]> values = new ArrayList<>();
        for (ModelVariable<TFloat32> v : vars) {
          values.add(fetch(s, v.value()));
        }
        return new Trained(values, losses);
      }
    }
  }

  private static Operand<TFloat32> linear(GraphContext ctx, String name, Operand<TFloat32> x, int in, int out) {
    Operand<TFloat32> w = ctx.variables().variable(name + ".weight", Shape.of(in, out), Initializers.heNormal(), VariableKind.WEIGHT);
    Operand<TFloat32> b = ctx.variables().variable(name + ".bias", Shape.of(out), Initializers.zeros(), VariableKind.BIAS);
    return ctx.tf().math.add(ctx.tf().linalg.matMul(x, w), b);
  }
}
