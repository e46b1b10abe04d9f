package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;

/**
 * The backbone registry, keyed by the field names of {@code BackboneConfig}'s oneof: one line per
 * backbone, and every driving-scene head ({@code deeplabv3plus}, {@code pspnet}, {@code hrnet},
 * {@code segformer}, {@code segnext}) can sit on each of them. {@link ModelsModule} installs it.
 */
public final class BackbonesModule extends AbstractModule {

  @Override
  protected void configure() {
    MapBinder<String, BackboneFactory> backbones =
        MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class);
    backbones.addBinding("resnet_v1c").to(ResNetV1cBackboneFactory.class);
    backbones.addBinding("hrnet_v2").to(HrNetV2BackboneFactory.class);
    backbones.addBinding("mit").to(MitBackboneFactory.class);
    backbones.addBinding("mscan").to(MscanBackboneFactory.class);
    backbones.addBinding("swin").to(SwinBackboneFactory.class);
  }
}
