package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.name.Names;

/** The strategy registry, keyed by the names of {@code StrategyConfig}'s {@code kind} oneof. */
public final class StrategiesModule extends AbstractModule {

  @Override
  protected void configure() {
    MapBinder<String, StrategyFactory> strategies =
        MapBinder.newMapBinder(binder(), String.class, StrategyFactory.class);
    strategies.addBinding("supervised").to(SupervisedStrategyFactory.class);
    strategies.addBinding("prism").to(PrismStrategyFactory.class);
    for (String term : new String[] {PrismStrategyFactory.DISTILL, PrismStrategyFactory.KL, PrismStrategyFactory.PROTO}) {
      bindConstant().annotatedWith(Names.named(term)).to(true);
    }
    bindConstant().annotatedWith(Names.named(PrismStrategyFactory.UNIFORM_PRM)).to(false);
  }
}
