package org.delineo.training.wiring;

import com.google.inject.Inject;
import com.google.inject.Provider;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Map;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.MetaDropConfig;
import org.delineo.proto.StrategyConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.strategy.MetaDropStrategy;
import org.delineo.training.strategy.TrainingStrategy;

/**
 * Builds {@link MetaDropStrategy} around the inner strategy of {@code strategy.meta_drop.inner},
 * looked up in the strategy registry by its name ({@code prism} when unset, as the config
 * documents), so any registered strategy can be wrapped.
 */
final class MetaDropStrategyFactory implements StrategyFactory {
  // A provider: this factory is itself an entry of the map it reads.
  private final Provider<Map<String, StrategyFactory>> strategies;

  @Inject
  MetaDropStrategyFactory(Provider<Map<String, StrategyFactory>> strategies) {
    this.strategies = strategies;
  }

  @Override
  public TrainingStrategy create(ExperimentConfig config) {
    MetaDropConfig metaDrop = config.getStrategy().getMetaDrop();
    return new MetaDropStrategy(inner(strategies.get(), config),
        metaDrop, OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()));
  }

  /**
   * The inner strategy: its registered factory applied to the config with {@code strategy} set to
   * the inner oneof's message (so e.g. a PRISM factory reads its own settings).
   */
  static TrainingStrategy inner(Map<String, StrategyFactory> strategies, ExperimentConfig config) {
    MetaDropConfig metaDrop = config.getStrategy().getMetaDrop();
    String name = metaDrop.getInnerCase() == MetaDropConfig.InnerCase.INNER_NOT_SET
        ? "prism"
        : MetaDropConfig.getDescriptor().findFieldByNumber(metaDrop.getInnerCase().getNumber()).getName();
    StrategyFactory factory = strategies.get(name);
    FieldDescriptor field = StrategyConfig.getDescriptor().findFieldByName(name);
    if (factory == null || field == null || "meta_drop".equals(name)) {
      throw new ConfigException("field 'strategy.meta_drop." + name + "': inner strategy '" + name
          + "' is not available; valid inner strategies: " + String.join(", ",
              strategies.keySet().stream().filter(n -> !n.equals("meta_drop")).sorted().toList())
          + (metaDrop.getInnerCase() == MetaDropConfig.InnerCase.INNER_NOT_SET
              ? " (unset means prism; set e.g. 'supervised {}')" : ""));
    }
    StrategyConfig.Builder innerConfig = StrategyConfig.newBuilder();
    if (metaDrop.getInnerCase() != MetaDropConfig.InnerCase.INNER_NOT_SET) {
      FieldDescriptor innerField = MetaDropConfig.getDescriptor().findFieldByName(name);
      innerConfig.setField(field, metaDrop.getField(innerField));
    } else {
      innerConfig.setField(field, innerConfig.newBuilderForField(field).build());
    }
    return factory.create(config.toBuilder().setStrategy(innerConfig).build());
  }
}
