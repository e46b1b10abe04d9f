package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.assertClose;
import static org.delineo.training.optim.Fixtures.fetch;
import static org.delineo.training.optim.Fixtures.fetchLong;
import static org.delineo.training.optim.Fixtures.quadraticLoss;
import static org.delineo.training.optim.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.delineo.proto.MetricRule;
import org.delineo.proto.TrainingState;
import org.delineo.training.checkpoint.CheckpointManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * {@link DynamicLossScale} against hand-computed updates: a finite step is the plain optimizer's
 * step (the scale cancels), a step with an inf gradient writes nothing but halves the scale, a
 * gradient that overflows only because of the scale is retried at smaller scales until it fits,
 * the scale doubles after the growth interval, never drops below 1, and resumes from a checkpoint.
 */
class DynamicLossScaleTest {
  private static final float[] P0 = {1f, -2f, 0.5f};
  private static final float[] A = {1f, 2f, 0.5f};
  private static final float[] C = {0f, 1f, 2f};

  @Test
  void aFiniteStepIsThePlainSgdStep() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "w", VariableKind.WEIGHT, P0);
      DynamicLossScale scaled = new DynamicLossScale(sgd(0.1f));
      Op step = scaled.minimize(ctx, quadraticLoss(ctx.tf(), p.value(), A, C), List.of(p));
      Operand<TFloat32> logged = scaled.scalars(ctx).get(DynamicLossScale.SCALAR);
      try (Session s = new Session(g)) {
        s.initialize();
        float scaleUsed;
        try (Result r = s.runner().addTarget(step).fetch(logged).run()) {
          scaleUsed = ((TFloat32) r.get(0)).getFloat();
        }
        // p1 = p0 − 0.1·a(p0 − c), the gradient of ½Σa(p − c)² without any scale: g0 = [1, −6, −0.75].
        assertClose(new double[] {0.9, -1.4, 0.575}, fetch(s, p.value()), 1e-6, "p after a finite step");
        assertEquals(32768f, scaleUsed, "the first step's scale is 2^15");
        assertScaleState(s, ctx, 15, 1, 1);
      }
    }
  }

  @Test
  void aFiniteAdamStepEqualsTheUnscaledAdamStepInEveryVariableAndSlot() {
    // Two independent graphs, one with loss scaling: same weights and moments after two steps.
    float[][] scaled = adamRun(true);
    float[][] plain = adamRun(false);
    for (int i = 0; i < plain.length; i++) {
      assertArrayEquals(plain[i], scaled[i], 1e-7f, "variable or slot " + i);
    }
  }

  @Test
  void anInfiniteGradientWritesNothingAndHalvesTheScale() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      ModelVariable<TFloat32> p = variable(ctx, "w", VariableKind.WEIGHT, P0);
      ModelVariable<TFloat32> q = variable(ctx, "b", VariableKind.BIAS, 0f);
      // L = ½Σa(p − c)² + Σ√q: finite (0 at q = 0), but d√q/dq = 1/(2√q) is +inf there.
      Operand<TFloat32> loss = tf.math.add(quadraticLoss(tf, p.value(), A, C),
          tf.reduceSum(tf.math.sqrt(q.value()), tf.constant(0)));
      Op step = new DynamicLossScale(Adam.adam(new ConstantSchedule(0.1f)).build())
          .minimize(ctx, loss, List.of(p, q));
      try (Session s = new Session(g)) {
        s.initialize();
        s.run(step);
        assertArrayEquals(P0, fetch(s, p.value()), "p has a finite gradient but the whole update is skipped");
        assertArrayEquals(new float[] {0f}, fetch(s, q.value()));
        for (String slot : List.of("w.exp_avg", "w.exp_avg_sq", "b.exp_avg", "b.exp_avg_sq")) {
          float[] values = fetch(s, floatVariable(ctx, slot).value());
          assertArrayEquals(new float[values.length], values, slot + " stays zero");
        }
        // The skipped step is counted (the trainer's step and the global step stay equal).
        assertScaleState(s, ctx, 14, 0, 1);
      }
    }
  }

  @Test
  void aGradientThatOverflowsOnlyWhenScaledIsRetriedAtSmallerScalesAndTheScaleGrowsBack() {
    // L = 1e35·w: dL/dw = 1e35 is finite, but 1e35·2^e overflows float32 (3.4e38) for e >= 12.
    // With SGD at lr 1e-36 each applied step moves w by −0.1. Growth interval 2:
    //   steps 1-4 skip (e 15 → 11), 5 applies (streak 1), 6 applies and grows (e 12, streak 0),
    //   7 overflows again and skips (e 11).
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Overflow run = new Overflow(ctx);
      try (Session s = new Session(g)) {
        s.initialize();
        float[] scales = new float[7];
        for (int i = 0; i < 7; i++) {
          scales[i] = run.step(s);
        }
        assertArrayEquals(new float[] {32768f, 16384f, 8192f, 4096f, 2048f, 2048f, 4096f}, scales);
        assertClose(new double[] {0.8}, fetch(s, run.w.value()), 1e-6, "w after two applied steps");
        assertScaleState(s, ctx, 11, 0, 7);
      }
    }
  }

  @Test
  void theScaleResumesFromACheckpoint(@TempDir Path dir) {
    // The overflow run, stopped after step 3 (e 12), saved, restored into a new graph and run to
    // step 7: the same end state as the uninterrupted run above.
    CheckpointManager checkpoints = new CheckpointManager(dir, 0, false, MetricRule.GREATER);
    Path saved;
    try (Graph g = new Graph()) {
      Overflow run = new Overflow(GraphContext.create(g, Mode.TRAIN, 1));
      try (Session s = new Session(g)) {
        s.initialize();
        for (int i = 0; i < 3; i++) {
          run.step(s);
        }
        saved = checkpoints.save(s, TrainingState.newBuilder().setStep(3).build(), null);
      }
    }
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Overflow run = new Overflow(ctx);
      try (Session s = new Session(g)) {
        s.initialize();
        checkpoints.restore(s, saved);
        assertScaleState(s, ctx, 12, 0, 3);
        List<Float> scales = new ArrayList<>();
        for (int i = 3; i < 7; i++) {
          scales.add(run.step(s));
        }
        assertEquals(List.of(4096f, 2048f, 2048f, 4096f), scales);
        assertClose(new double[] {0.8}, fetch(s, run.w.value()), 1e-6, "w after resuming");
        assertScaleState(s, ctx, 11, 0, 7);
      }
    }
  }

  @Test
  void theScaleStaysAtLeastOne() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> q = variable(ctx, "b", VariableKind.BIAS, 0f);
      Op step = new DynamicLossScale(sgd(0.1f))
          .minimize(ctx, ctx.tf().reduceSum(ctx.tf().math.sqrt(q.value()), ctx.tf().constant(0)), List.of(q));
      try (Session s = new Session(g)) {
        s.initialize();
        // Fifteen halvings reach 2^0; the sixteenth and seventeenth find it there.
        for (int i = 0; i < 17; i++) {
          s.run(step);
        }
        assertScaleState(s, ctx, 0, 0, 17);
      }
    }
  }

  @Test
  void gradientsBuiltElsewhereAreRefused() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "w", VariableKind.WEIGHT, P0);
      List<Gradient> grads = Gradients.of(ctx, quadraticLoss(ctx.tf(), p.value(), A, C), List.of(p));
      DynamicLossScale scaled = new DynamicLossScale(sgd(0.1f));
      DelineoException e = assertThrows(DelineoException.class, () -> scaled.applyGradients(ctx, grads, true));
      assertEquals("loss scaling applies only gradients it takes itself (minimize); found gradients built"
          + " elsewhere, which a float16 step cannot scale", e.getMessage());
    }
  }

  /** The 1e35·w graph of the overflow tests with SGD at lr 1e-36 and growth interval 2. */
  private static final class Overflow {
    final ModelVariable<TFloat32> w;
    final Op step;
    final Operand<TFloat32> scale;

    Overflow(GraphContext ctx) {
      w = variable(ctx, "w", VariableKind.WEIGHT, 1f);
      Operand<TFloat32> loss = ctx.tf().reduceSum(ctx.tf().math.mul(ctx.tf().constant(1e35f), w.value()),
          ctx.tf().constant(0));
      DynamicLossScale scaled = new DynamicLossScale(sgd(1e-36f), 2);
      step = scaled.minimize(ctx, loss, List.of(w));
      scale = scaled.scalars(ctx).get(DynamicLossScale.SCALAR);
    }

    /** Runs one step and returns the scale it used. */
    float step(Session s) {
      try (Result r = s.runner().addTarget(step).fetch(scale).run()) {
        return ((TFloat32) r.get(0)).getFloat();
      }
    }
  }

  /** Weights then slots after two Adam steps on the quadratic, with or without loss scaling. */
  private static float[][] adamRun(boolean scaled) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = variable(ctx, "w", VariableKind.WEIGHT, P0);
      Optimizer adam = Adam.adamW(new ConstantSchedule(0.01f), 0.01f).build();
      Optimizer optimizer = scaled ? new DynamicLossScale(adam) : adam;
      Op step = optimizer.minimize(ctx, quadraticLoss(ctx.tf(), p.value(), A, C), List.of(p));
      try (Session s = new Session(g)) {
        s.initialize();
        s.run(step);
        s.run(step);
        return new float[][] {fetch(s, p.value()), fetch(s, floatVariable(ctx, "w.exp_avg").value()),
            fetch(s, floatVariable(ctx, "w.exp_avg_sq").value())};
      }
    }
  }

  private static void assertScaleState(Session s, GraphContext ctx, long exponent, long streak, long step) {
    assertEquals(exponent, fetchLong(s, longVariable(ctx, DynamicLossScale.EXPONENT).value()), "log2 of the scale");
    assertEquals(streak, fetchLong(s, longVariable(ctx, DynamicLossScale.GOOD_STEPS).value()), "finite steps in a row");
    assertEquals(step, fetchLong(s, GlobalStep.of(ctx).value()), "global step");
  }

  private static Sgd sgd(float lr) {
    return new Sgd(new ConstantSchedule(lr), 0f, false, 0f, null, null);
  }

  @SuppressWarnings("unchecked")
  private static ModelVariable<TFloat32> floatVariable(GraphContext ctx, String name) {
    return (ModelVariable<TFloat32>) ctx.variables().find(name).orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static ModelVariable<TInt64> longVariable(GraphContext ctx, String name) {
    return (ModelVariable<TInt64>) ctx.variables().find(name).orElseThrow();
  }
}
