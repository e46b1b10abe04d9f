package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import org.delineo.proto.DataConfig;
import org.delineo.proto.EvalConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.OptimizerConfig;
import org.delineo.proto.RuntimeConfig;
import org.delineo.proto.ScheduleConfig;
import org.delineo.proto.StrategyConfig;

/** Binds the resolved experiment config and each of its sections, so builders inject only what they read. */
public final class ExperimentModule extends AbstractModule {
  private final ExperimentConfig config;

  public ExperimentModule(ExperimentConfig config) {
    this.config = config;
  }

  @Override
  protected void configure() {
    bind(ExperimentConfig.class).toInstance(config);
    bind(ModelConfig.class).toInstance(config.getModel());
    bind(DataConfig.class).toInstance(config.getData());
    bind(LossConfig.class).toInstance(config.getLoss());
    bind(StrategyConfig.class).toInstance(config.getStrategy());
    bind(OptimizerConfig.class).toInstance(config.getOptimizer());
    bind(ScheduleConfig.class).toInstance(config.getSchedule());
    bind(EvalConfig.class).toInstance(config.getEval());
    bind(RuntimeConfig.class).toInstance(config.getRuntime());
  }
}
