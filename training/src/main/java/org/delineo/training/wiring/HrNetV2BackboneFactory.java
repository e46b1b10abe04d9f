package org.delineo.training.wiring;

import org.delineo.graph.backbones.HrNet;
import org.delineo.proto.BackboneConfig;
import org.delineo.proto.HrNetV2Config;
import org.delineo.training.config.ConfigException;

/**
 * HRNetV2 ({@code backbone { hrnet_v2 {} }}): four branches of width x [1, 2, 4, 8] at strides 4,
 * 8, 16 and 32, mmseg's variable names under {@code backbone.}.
 */
final class HrNetV2BackboneFactory implements BackboneFactory {

  @Override
  public SceneBackbone create(BackboneConfig config, String field) {
    HrNetV2Config c = config.getHrnetV2();
    // HrNet rejects these too, but without the config path.
    requirePositive(c.getWidth(), field + ".width");
    requirePositive(c.getNumBlocks(), field + ".num_blocks");
    c.getNumModulesList().forEach(m -> requirePositive(m, field + ".num_modules"));
    HrNet.Builder b = HrNet.builder("backbone").width(c.getWidth()).blocks(c.getNumBlocks());
    if (c.getNumModulesCount() > 0) {
      if (c.getNumModulesCount() != 3) {
        throw new ConfigException("field '" + field + ".num_modules': expected 3 values (stages 2-4), found "
            + c.getNumModulesList());
      }
      b.modules(c.getNumModules(0), c.getNumModules(1), c.getNumModules(2));
    }
    HrNet net = b.build();
    return new SceneBackbone(net::apply, net.featureLevels());
  }

  private static void requirePositive(int value, String field) {
    if (value < 1) {
      throw new ConfigException("field '" + field + "': expected a positive value, found " + value);
    }
  }
}
