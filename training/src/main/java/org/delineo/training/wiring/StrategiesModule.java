package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.name.Names;

/**
 * The strategy registry, keyed by the names of {@code StrategyConfig}'s {@code kind} oneof, with the
 * switches ablations override: factories bound under {@link #key} (e.g. {@code meta_drop} for
 * {@code no-meta-drop}), PRISM's term switches ({@code prism.*}) and SemSim's ({@code semsim.intra},
 * {@code semsim.cross}, {@code semsim.fp}).
 */
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
    bindConstant().annotatedWith(Names.named(PrismStrategyFactory.UNWEIGHTED_CE)).to(false);
    bind(key("meta_drop")).to(MetaDropStrategyFactory.class);
    strategies.addBinding("meta_drop").to(key("meta_drop"));
    strategies.addBinding("semsim").to(SemSimStrategyFactory.class);
    bind(SemSimStrategyFactory.INTRA).toInstance(true);
    bind(SemSimStrategyFactory.FP).toInstance(true);
    bind(SemSimStrategyFactory.CROSS).toInstance(true);
  }

  /** The key an ablation overrides to replace the factory of strategy {@code name}. */
  public static Key<StrategyFactory> key(String name) {
    return Key.get(StrategyFactory.class, Names.named("strategy." + name));
  }
}
