package org.delineo.training.wiring;

import org.delineo.graph.backbones.ResNetV1c;
import org.delineo.proto.BackboneConfig;
import org.delineo.proto.ResNetV1cConfig;
import org.delineo.training.config.ConfigException;

/**
 * ResNetV1c ({@code backbone { resnet_v1c {} }}) with output stride 8 (dilations 2, 4), 16
 * (dilation 2 in the last stage) or 32; four stage outputs, mmseg's variable names under
 * {@code backbone.}.
 */
final class ResNetV1cBackboneFactory implements BackboneFactory {

  @Override
  public SceneBackbone create(BackboneConfig config, String field) {
    ResNetV1c net = resnet(config.getResnetV1C(), field);
    return new SceneBackbone(net::apply, net.featureLevels());
  }

  private static ResNetV1c resnet(ResNetV1cConfig c, String field) {
    // stem_channels 0 follows base_channels, so shrinking base_channels shrinks the whole net.
    int stem = c.getStemChannels() > 0 ? c.getStemChannels() : c.getBaseChannels();
    if (c.getStemChannels() < 0 || stem < 2 || stem % 2 != 0) {
      throw new ConfigException("field '" + field + ".stem_channels': expected an even width >= 2 (0 ="
          + " base_channels), found stem_channels " + c.getStemChannels() + ", base_channels " + c.getBaseChannels());
    }
    if (c.getBaseChannels() < 1) {
      throw new ConfigException("field '" + field + ".base_channels': expected a positive width, found "
          + c.getBaseChannels());
    }
    ResNetV1c.Builder b = ResNetV1c.builder("backbone")
        .depth(c.getDepth())
        .stemChannels(stem)
        .baseChannels(c.getBaseChannels())
        .contractDilation(c.getContractDilation());
    if (c.getStageBlocksCount() > 0) {
      if (c.getStageBlocksCount() != 4) {
        throw new ConfigException("field '" + field + ".stage_blocks': expected 4 values, found "
            + c.getStageBlocksList());
      }
      b.stageBlocks(c.getStageBlocksList().stream().mapToInt(Integer::intValue).toArray());
    }
    switch (c.getOutputStride()) {
      case 8 -> b.strides(1, 2, 1, 1).dilations(1, 1, 2, 4);
      case 16 -> b.strides(1, 2, 2, 1).dilations(1, 1, 1, 2);
      case 32 -> b.strides(1, 2, 2, 2).dilations(1, 1, 1, 1);
      default -> throw new ConfigException("field '" + field + ".output_stride': expected 8, 16 or 32, found "
          + c.getOutputStride());
    }
    return b.build();
  }
}
