package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.fetch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Schedules read at chosen values of the global step (assigned in the graph) against the closed
 * forms of mmengine's PolyLR and LinearLR written here in double. Tolerance: relative 1e-6 (one
 * float32 rounding).
 */
class LearningRateScheduleTest {
  private static final double BASE = 0.01;
  private static final double POWER = 0.9;
  private static final double MIN = 1e-4;
  private static final long TOTAL = 1000;
  private static final long WARMUP = 100;
  private static final double START = 1e-6;
  /** start, warm-up middle, warm-up end, mid, last, end, beyond the end. */
  private static final long[] STEPS = {0, 50, 100, 500, 999, 1000, 1500};

  @Test
  void valuesAtChosenSteps() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      GlobalStep step = GlobalStep.of(ctx);
      Placeholder<TInt64> newStep = tf.placeholder(TInt64.class);
      Operand<TInt64> setStep = tf.assign(step.variable().ref(), newStep);
      PolySchedule poly = new PolySchedule((float) BASE, (float) POWER, (float) MIN, TOTAL);
      Operand<TFloat32> constant = new ConstantSchedule(0.02f).build(tf, step.value());
      Operand<TFloat32> polyLr = poly.build(tf, step.value());
      Operand<TFloat32> warmLr = new LinearWarmup(poly, WARMUP, (float) START).build(tf, step.value());
      Operand<TFloat32> noWarmup = new LinearWarmup(poly, 0, 0.5f).build(tf, step.value());
      try (Session s = new Session(g)) {
        s.initialize();
        for (long t : STEPS) {
          try (TInt64 value = TInt64.scalarOf(t);
              Result r = s.runner().feed(newStep, value).addTarget(setStep).run()) {
            // assigned
          }
          assertRel(0.02, fetch(s, constant)[0], "constant at " + t);
          assertRel(poly(t), fetch(s, polyLr)[0], "poly at " + t);
          assertRel(warmupFactor(t) * poly(t), fetch(s, warmLr)[0], "warm-up poly at " + t);
          assertRel(poly(t), fetch(s, noWarmup)[0], "zero-step warm-up at " + t);
        }
      }
    }
  }

  @Test
  void someValuesByHand() {
    // Not computed by the helpers below: at t = 0 the poly rate is the base rate; from T on it is
    // the minimum; the warm-up starts at base·start_factor and is complete at W.
    assertEquals(BASE, poly(0), 1e-15);
    assertEquals(MIN, poly(TOTAL), 1e-15);
    assertEquals(MIN, poly(2 * TOTAL), 1e-15);
    assertEquals(START, warmupFactor(0), 1e-15);
    assertEquals(0.5 + 0.5 * START, warmupFactor(WARMUP / 2), 1e-15);
    assertEquals(1.0, warmupFactor(WARMUP), 1e-15);
  }

  @Test
  void rejectsInvalidSettings() {
    assertThrows(DelineoException.class, () -> new PolySchedule(0.01f, 0.9f, 0f, 0));
    assertThrows(DelineoException.class, () -> new PolySchedule(0.01f, -1f, 0f, 10));
    assertThrows(DelineoException.class, () -> new LinearWarmup(new ConstantSchedule(1f), 10, 1.5f));
    assertThrows(DelineoException.class, () -> new LinearWarmup(new ConstantSchedule(1f), -1, 0.5f));
    assertThrows(DelineoException.class, () -> new ConstantSchedule(-1f));
  }

  /** mmengine PolyLR closed form: (base − min)·(1 − min(t, T)/T)^power + min. */
  private static double poly(long t) {
    return (BASE - MIN) * Math.pow(1.0 - Math.min(t, TOTAL) / (double) TOTAL, POWER) + MIN;
  }

  /** mmengine LinearLR closed form with end factor 1: start + (1 − start)·min(t, W)/W. */
  private static double warmupFactor(long t) {
    return START + (1 - START) * Math.min(t, WARMUP) / (double) WARMUP;
  }

  private static void assertRel(double expected, float actual, String what) {
    assertEquals(expected, actual, 1e-6 * Math.abs(expected) + 1e-12, what + " (relative tolerance 1e-6)");
  }
}
