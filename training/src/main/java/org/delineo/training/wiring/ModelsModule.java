package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;

/**
 * The model registry, keyed by the family names of {@code ModelConfig}'s {@code family} oneof, and
 * whether SemSim's fusion module may be built ({@code @Named("semsim.sfm")}, true; the
 * {@code no-sfm} ablation overrides it).
 */
public final class ModelsModule extends AbstractModule {

  @Override
  protected void configure() {
    MapBinder<String, ModelFactory> models =
        MapBinder.newMapBinder(binder(), String.class, ModelFactory.class);
    models.addBinding("unet").to(UNetFactory.class);
    models.addBinding("deeplabv3plus").to(DeepLabV3PlusFactory.class);
    models.addBinding("pspnet").to(PspNetFactory.class);
    models.addBinding("hrnet").to(HrNetFactory.class);
    models.addBinding("semsim_unet").to(SemSimUNetFactory.class);
    bind(SemSimUNetFactory.FUSION).toInstance(true);
  }
}
