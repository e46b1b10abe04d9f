package org.delineo.training.wiring;

import com.google.inject.Inject;
import com.google.inject.Provider;
import java.util.Map;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.strategy.TrainingStrategy;

/**
 * The {@code no-meta-drop} ablation's factory for {@code meta_drop}: plain training with the inner
 * strategy's loss (its own build and batches, one {@code Session.run} per iteration).
 */
final class NoMetaDropStrategyFactory implements StrategyFactory {
  private final Provider<Map<String, StrategyFactory>> strategies;

  @Inject
  NoMetaDropStrategyFactory(Provider<Map<String, StrategyFactory>> strategies) {
    this.strategies = strategies;
  }

  @Override
  public TrainingStrategy create(ExperimentConfig config) {
    return MetaDropStrategyFactory.inner(strategies.get(), config);
  }
}
