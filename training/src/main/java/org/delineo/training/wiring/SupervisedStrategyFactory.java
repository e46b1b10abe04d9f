package org.delineo.training.wiring;

import com.google.inject.Inject;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.strategy.SupervisedStrategy;
import org.delineo.training.strategy.TrainingStrategy;

/** Builds {@link SupervisedStrategy} with the configured head losses. */
final class SupervisedStrategyFactory implements StrategyFactory {
  private final LossBuilder losses;

  @Inject
  SupervisedStrategyFactory(LossBuilder losses) {
    this.losses = losses;
  }

  @Override
  public TrainingStrategy create(ExperimentConfig config) {
    return new SupervisedStrategy(losses::build);
  }
}
