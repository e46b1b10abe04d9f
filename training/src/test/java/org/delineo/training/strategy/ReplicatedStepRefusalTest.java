package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.MetaDropConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.pipeline.InputNormalization;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

/**
 * What a replicated step refuses when a strategy's graph is built directly, past config validation:
 * Meta-Drop's own two-run step, and objectives with a state update after the optimizer step.
 */
class ReplicatedStepRefusalTest {
  private static final Towers TWO_CPUS =
      new Towers(List.of("/device:CPU:0", "/device:CPU:1"), (ctx, value, key) -> value, false);

  private static StepInputs inputs(Ops tf) {
    return new StepInputs(tf, new InputNormalization(new float[0], new float[0]), 2, 1, false, tf.constant(0L));
  }

  @Test
  void metaDropRefusesTowersNamingTheField() {
    MetaDropStrategy metaDrop = new MetaDropStrategy(new SupervisedStrategy(heads -> null),
        MetaDropConfig.newBuilder().setMetaLr(0.1f).build(), null);
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      ConfigException e = assertThrows(ConfigException.class,
          () -> metaDrop.build(ctx, null, inputs(ctx.tf()), null, TWO_CPUS));
      assertEquals("field 'runtime.replicas': expected 1 tower with strategy.meta_drop (its bi-level step of two"
          + " session runs builds its own updates), found 2", e.getMessage());
    }
  }

  @Test
  void anObjectiveWithAStateUpdateAfterTheStepIsNotReplicated() {
    TrainingStrategy stateful = new TrainingStrategy() {
      @Override
      public String name() {
        return "stateful";
      }

      @Override
      public Objective objective(GraphContext ctx, SegmentationModel model, StepInputs in) {
        var loss = ctx.tf().constant(1f);
        return new Objective(loss, Map.of("loss", loss), ops -> ops.noOp());
      }
    };
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      DelineoException e = assertThrows(DelineoException.class,
          () -> stateful.build(ctx, null, inputs(ctx.tf()), null, TWO_CPUS));
      assertEquals("strategy stateful: its objective updates state after the optimizer step, which 2 towers cannot"
          + " share; expected 1 tower", e.getMessage());
    }
  }
}
