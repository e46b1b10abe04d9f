package org.delineo.training.strategy;

import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.optim.Optimizer;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;

/**
 * A strategy that builds another's step unchanged but sees the traffic of its run bridge: what
 * run 1 fetched, and what run 2 is fed. Tests record or time it in {@link #feeds}.
 */
abstract class BridgeObservingStrategy implements TrainingStrategy {
  private final TrainingStrategy inner;

  BridgeObservingStrategy(TrainingStrategy inner) {
    this.inner = inner;
  }

  /** Run 2's feeds for run 1's {@code fetched}: must return {@code bridge.feeds(fetched)}. */
  protected abstract Map<Operand<?>, Tensor> feeds(RunBridge bridge, List<Tensor> fetched);

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public Objective objective(GraphContext ctx, SegmentationModel model, StepInputs inputs) {
    return inner.objective(ctx, model, inputs);
  }

  @Override
  public TrainStep build(GraphContext ctx, SegmentationModel model, StepInputs inputs, Optimizer optimizer) {
    TrainStep step = inner.build(ctx, model, inputs, optimizer);
    RunBridge bridge = step.bridge();
    return new TrainStep(step.runs(), step.loss(), step.scalars(), new RunBridge() {
      @Override
      public List<Operand<?>> fetches() {
        return bridge.fetches();
      }

      @Override
      public Map<Operand<?>, Tensor> feeds(List<Tensor> fetched) {
        return BridgeObservingStrategy.this.feeds(bridge, fetched);
      }
    });
  }
}
