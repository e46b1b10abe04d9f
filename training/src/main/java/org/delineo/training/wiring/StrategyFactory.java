package org.delineo.training.wiring;

import org.delineo.proto.ExperimentConfig;
import org.delineo.training.strategy.TrainingStrategy;

/** Builds one training strategy; registered under the strategy's config name. */
public interface StrategyFactory {

  /** The strategy {@code config.strategy} describes. */
  TrainingStrategy create(ExperimentConfig config);
}
