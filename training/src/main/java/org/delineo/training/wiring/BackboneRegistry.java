package org.delineo.training.wiring;

import com.google.inject.Inject;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.delineo.proto.BackboneConfig;
import org.delineo.training.config.ConfigException;

/**
 * The registered backbone factories ({@link BackbonesModule}) as the driving-scene families use
 * them: a family's {@code backbone} block is built by the factory registered under its oneof case,
 * or, when the block selects none, by the family's reference backbone.
 */
final class BackboneRegistry {
  private final Map<String, BackboneFactory> factories;

  @Inject
  BackboneRegistry(Map<String, BackboneFactory> factories) {
    // Sorted, so error messages list the names in a stable order.
    this.factories = new TreeMap<>(factories);
  }

  /** The registry keys: the BackboneConfig oneof cases that can be built. */
  Set<String> names() {
    return factories.keySet();
  }

  /**
   * The backbone {@code config} selects, or {@code reference} when it selects none.
   *
   * @param field the config path of {@code config}, e.g. {@code model.pspnet.backbone}
   * @throws ConfigException naming the field and the registered backbones when no factory is
   *     registered for the selected case
   */
  SceneBackbone build(BackboneConfig config, BackboneConfig reference, String field) {
    BackboneConfig chosen = config.getKindCase() == BackboneConfig.KindCase.KIND_NOT_SET ? reference : config;
    String kind = chosen.getDescriptorForType().findFieldByNumber(chosen.getKindCase().getNumber()).getName();
    BackboneFactory factory = factories.get(kind);
    if (factory == null) {
      throw new ConfigException("field '" + field + "." + kind + "': unknown backbone '" + kind
          + "'; valid backbones: " + String.join(", ", factories.keySet()));
    }
    return factory.create(chosen, field + "." + kind);
  }
}
