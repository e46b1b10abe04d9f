package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.name.Names;

/**
 * The loss-term registry, keyed by the term names of {@code LossTermConfig}. Each factory is also
 * bound under {@code @Named(term)}, the key an ablation overrides (e.g. {@code no-dice}).
 */
public final class LossesModule extends AbstractModule {

  @Override
  protected void configure() {
    MapBinder<String, LossTermFactory> terms =
        MapBinder.newMapBinder(binder(), String.class, LossTermFactory.class);
    register(terms, "cross_entropy", CrossEntropyTermFactory.class);
    register(terms, "dice", DiceTermFactory.class);
    register(terms, "lovasz", LovaszTermFactory.class);
    register(terms, "focal", FocalTermFactory.class);
    register(terms, "boundary_focal", BoundaryFocalTermFactory.class);
    register(terms, "boundary", BoundaryTermFactory.class);
    bind(PixelSamplerFactory.class).to(OhemSamplerFactory.class);
  }

  /** The key under which the factory of {@code term} is bound. */
  public static Key<LossTermFactory> key(String term) {
    return Key.get(LossTermFactory.class, Names.named(term));
  }

  private void register(
      MapBinder<String, LossTermFactory> terms, String name, Class<? extends LossTermFactory> impl) {
    bind(key(name)).to(impl);
    terms.addBinding(name).to(key(name));
  }
}
