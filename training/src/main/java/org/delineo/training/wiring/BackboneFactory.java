package org.delineo.training.wiring;

import org.delineo.proto.BackboneConfig;

/**
 * Builds one backbone from its message in {@code BackboneConfig}'s oneof; registered in
 * {@link BackbonesModule} under that oneof field's name (e.g. {@code resnet_v1c}), which is how a
 * config selects it under any driving-scene family ({@code model.pspnet.backbone.resnet_v1c}).
 */
public interface BackboneFactory {

  /**
   * The backbone of {@code config}, whose oneof case is this factory's registry key. Its variables
   * must live under {@code backbone.} (what {@code init_checkpoint_modules: "backbone"} loads).
   *
   * @param field the config path of this factory's message, e.g.
   *     {@code model.pspnet.backbone.resnet_v1c}, for {@code ConfigException}s naming a field
   */
  SceneBackbone create(BackboneConfig config, String field);
}
