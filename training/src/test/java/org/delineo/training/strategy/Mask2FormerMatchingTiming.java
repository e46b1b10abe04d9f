package org.delineo.training.strategy;

import java.util.List;
import java.util.Map;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.run.SessionFactory;
import org.delineo.training.train.TrainingGraph;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;

/**
 * Manual timing harness (not run by the build; {@code -Dtest=Mask2FormerMatchingTiming}): the share
 * of a Mask2Former step spent on matching, on the tiny variant of {@link Mask2FormerStrategyTest}
 * (batch 3, 32 × 32): run 1 (forward + cost fetch, the price of the extra forward pass) and the
 * Java solver, against the whole two-run step. Prints one line.
 */
class Mask2FormerMatchingTiming {
  private static final int WARMUP = 3;
  private static final int STEPS = 20;

  @Test
  void measure() {
    ExperimentConfig config = Mask2FormerStrategyTest.config("");
    Experiment e = Experiment.create(config, List.of());
    Timed timed = new Timed(e.strategy());
    SegmentationModel model = e.model(3, 3);
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, 5, model, timed, e.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), 3), 2, 3);
      try (Session session = SessionFactory.open(graph, config.getRuntime())) {
        session.initialize();
        StepBatch batch = StepBatch.of(Mask2FormerStrategyTest.batch());
        long total = 0;
        for (int i = 0; i < WARMUP + STEPS; i++) {
          if (i == WARMUP) {
            timed.reset();
            total = 0;
          }
          timed.stepStart = System.nanoTime();
          g.run(session, batch, List.of());
          total += System.nanoTime() - timed.stepStart;
        }
        System.out.printf("mask2former tiny step %.1f ms: run 1 (forward + costs) %.1f ms (%.0f %%),"
            + " Java solver %.3f ms (%.1f %%), over %d steps%n", total / 1e6 / STEPS, timed.run1 / 1e6 / STEPS,
            100.0 * timed.run1 / total, timed.solver / 1e6 / STEPS, 100.0 * timed.solver / total, STEPS);
      }
    }
  }

  /** The strategy whose bridge records when run 1 ended and how long the solver took. */
  private static final class Timed extends BridgeObservingStrategy {
    private long stepStart;
    private long run1;
    private long solver;

    Timed(TrainingStrategy inner) {
      super(inner);
    }

    void reset() {
      run1 = 0;
      solver = 0;
    }

    @Override
    protected Map<Operand<?>, Tensor> feeds(RunBridge bridge, List<Tensor> fetched) {
      long t0 = System.nanoTime();
      run1 += t0 - stepStart;
      Map<Operand<?>, Tensor> feeds = bridge.feeds(fetched);
      solver += System.nanoTime() - t0;
      return feeds;
    }
  }
}
