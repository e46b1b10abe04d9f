package org.delineo.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Mode;
import org.delineo.graph.VariableKind;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Config text -> optimizer and schedule, checked against closed forms and hand-computed steps. */
class OptimizerFactoryTest {

  @Test
  void scheduleCombinesPolyWarmupAndUpdateInterval() {
    ExperimentConfig c = ExperimentConfigLoader.parse(
        "optimizer { lr: 0.02 } schedule { poly { power: 0.9 min_lr: 1e-4 } total_steps: 100"
            + " warmup_steps: 10 warmup_start_factor: 0.1 update_interval_steps: 5 }", "test");
    LearningRateSchedule schedule = OptimizerFactory.schedule(c.getOptimizer().getLr(), c.getSchedule());
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      GlobalStep step = GlobalStep.of(ctx);
      Placeholder<TInt64> newStep = tf.placeholder(TInt64.class);
      Op setStep = tf.assign(step.variable().ref(), newStep);
      Operand<TFloat32> lr = schedule.build(tf, step.value());
      try (Session s = new Session(g)) {
        s.initialize();
        for (long t : new long[] {0, 3, 7, 10, 52, 99, 100, 150}) {
          try (TInt64 value = TInt64.scalarOf(t);
              Result r = s.runner().feed(newStep, value).addTarget(setStep).run()) {
            // assigned
          }
          // Held every 5 steps, then warm-up factor times poly, written out here in double.
          long held = t / 5 * 5;
          double warm = 0.1 + 0.9 * Math.min(held, 10) / 10.0;
          double poly = (0.02 - 1e-4) * Math.pow(1 - Math.min(held, 100) / 100.0, 0.9) + 1e-4;
          double expected = warm * poly;
          assertEquals(expected, Fixtures.fetch(s, lr)[0], 1e-6 * expected, "lr at step " + t);
        }
      }
    }
  }

  @Test
  void adamwStepFromConfig() {
    ExperimentConfig c = ExperimentConfigLoader.parse(
        "optimizer { adamw { amsgrad: true } lr: 0.001 weight_decay: 0.01 }"
            + " schedule { constant {} total_steps: 10 warmup_steps: 0 }", "test");
    Optimizer optimizer = OptimizerFactory.create(c.getOptimizer(), c.getSchedule());
    assertInstanceOf(Adam.class, optimizer);
    float[] p0 = {1f, -2f};
    float[] target = {0f, 0f};
    float[] after = oneStep(optimizer, p0, target, VariableKind.WEIGHT);
    // Step 1 of Adam: m̂ = g, v̂ = g², so the move is lr·g/(|g| + eps) = lr·sign(g) (eps 1e-8 is
    // negligible); AdamW first scales p by (1 − lr·wd).
    for (int i = 0; i < 2; i++) {
      double expected = p0[i] * (1 - 0.001 * 0.01) - 0.001 * Math.signum(p0[i] - target[i]);
      assertEquals(expected, after[i], 1e-7, "p[" + i + "]");
    }
  }

  @Test
  void sgdGroupsAndNormDecayFromConfig() {
    String base = "optimizer { sgd { momentum: 0.9 } lr: 0.1 weight_decay: 0.5"
        + " parameter_groups { name_prefix: \"backbone.\" lr_mult: 0.1 } %s }"
        + " schedule { constant {} total_steps: 10 warmup_steps: 0 }";
    float[] p0 = {2f};
    float[] c0 = {1f};
    // g = p − c = 1. Weight in the backbone group: lr 0.01, g' = 1 + 0.5·2 = 2 → 2 − 0.02 = 1.98.
    assertEquals(1.98, oneStep(create(base, ""), p0, c0, VariableKind.WEIGHT)[0], 1e-6);
    // Bias: no decay by default → 2 − 0.01·1 = 1.99.
    assertEquals(1.99, oneStep(create(base, ""), p0, c0, VariableKind.BIAS)[0], 1e-6);
    // decay_norm_and_bias: the bias decays too → 1.98.
    assertEquals(1.98, oneStep(create(base, "decay_norm_and_bias: true"), p0, c0, VariableKind.BIAS)[0], 1e-6);
  }

  @Test
  void emptyGroupPrefixNamesTheField() {
    ExperimentConfig c = ExperimentConfigLoader.parse(
        "optimizer { parameter_groups { lr_mult: 0.1 } }", "test");
    ConfigException e = assertThrows(ConfigException.class,
        () -> OptimizerFactory.create(c.getOptimizer(), c.getSchedule()));
    assertTrue(e.getMessage().contains("optimizer.parameter_groups[0].name_prefix"), e.getMessage());
  }

  private static Optimizer create(String template, String extra) {
    ExperimentConfig c = ExperimentConfigLoader.parse(String.format(template, extra), "test");
    return OptimizerFactory.create(c.getOptimizer(), c.getSchedule());
  }

  /** One step on L = ½Σ(p − c)² for a variable {@code backbone.x} of the given kind. */
  private static float[] oneStep(Optimizer optimizer, float[] p0, float[] c, VariableKind kind) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ModelVariable<TFloat32> p = Fixtures.variable(ctx, "backbone.x", kind, p0);
      float[] ones = new float[p0.length];
      java.util.Arrays.fill(ones, 1f);
      Operand<TFloat32> loss = Fixtures.quadraticLoss(ctx.tf(), p.value(), ones, c);
      Op step = optimizer.minimize(ctx, loss, List.of(p));
      try (Session s = new Session(g)) {
        s.initialize();
        s.run(step);
        return Fixtures.fetch(s, p.value());
      }
    }
  }
}
