package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;

/**
 * The model registry, keyed by the names {@code delineo models} lists and {@code model.name} takes
 * ({@link ModelNames} maps them to the {@code ModelConfig} family blocks they read), and whether
 * SemSim's fusion module may be built ({@code @Named("semsim.sfm")}, true; {@code no-sfm} overrides it).
 * Installs {@link BackbonesModule}, the backbones the driving-scene models sit on.
 */
public final class ModelsModule extends AbstractModule {

  @Override
  protected void configure() {
    install(new BackbonesModule());
    MapBinder<String, ModelFactory> models =
        MapBinder.newMapBinder(binder(), String.class, ModelFactory.class);
    models.addBinding("unet").to(UNetFactory.class);
    models.addBinding("deeplabv3plus_r50").to(DeepLabV3PlusFactory.class);
    models.addBinding("pspnet_r50").to(PspNetFactory.class);
    models.addBinding("hrnet_w48").to(HrNetFactory.class);
    models.addBinding("prism_rfnet").to(PrismRfNetFactory.class);
    models.addBinding("semsim_unet").to(SemSimUNetFactory.class);
    models.addBinding("segformer_mit_b3").to(SegFormerFactory.class);
    models.addBinding("segnext_mscan_b").to(SegNeXtFactory.class);
    models.addBinding(Mask2FormerFactory.NAME).to(Mask2FormerFactory.class);
    bind(SemSimUNetFactory.FUSION).toInstance(true);
  }
}
