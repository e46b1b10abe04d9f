package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;

/**
 * The strategy registry, keyed by the names of {@code StrategyConfig}'s {@code kind} oneof, and the
 * switches of SemSim's similarity terms ({@code @Named("semsim.intra")}, {@code
 * @Named("semsim.cross")}, both true) that ablations override.
 */
public final class StrategiesModule extends AbstractModule {

  @Override
  protected void configure() {
    MapBinder<String, StrategyFactory> strategies =
        MapBinder.newMapBinder(binder(), String.class, StrategyFactory.class);
    strategies.addBinding("supervised").to(SupervisedStrategyFactory.class);
    strategies.addBinding("semsim").to(SemSimStrategyFactory.class);
    bind(SemSimStrategyFactory.INTRA).toInstance(true);
    bind(SemSimStrategyFactory.CROSS).toInstance(true);
  }
}
