package org.delineo.training.wiring;

import org.delineo.graph.backbones.ResNetV1c;
import org.delineo.graph.heads.DecodeHead;
import org.delineo.graph.heads.FcnHead;
import org.delineo.proto.AuxHeadConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.NormType;
import org.delineo.proto.ResNetV1cConfig;
import org.delineo.training.config.ConfigException;

/** Pieces the driving-scene factories share: the ResNetV1c backbone and the auxiliary FCN head. */
final class SceneModels {
  private SceneModels() {}

  /** ResNetV1c with output stride 8 (dilations 2, 4) or 16 (dilation 2 in the last stage). */
  static ResNetV1c resnet(ResNetV1cConfig c, String field) {
    // stem_channels 0 follows base_channels, so shrinking base_channels shrinks the whole net.
    int stem = c.getStemChannels() > 0 ? c.getStemChannels() : c.getBaseChannels();
    if (c.getStemChannels() < 0 || stem < 2 || stem % 2 != 0) {
      throw new ConfigException("field '" + field + ".backbone.stem_channels': expected an even width >= 2 (0 ="
          + " base_channels), found stem_channels " + c.getStemChannels() + ", base_channels " + c.getBaseChannels());
    }
    if (c.getBaseChannels() < 1) {
      throw new ConfigException("field '" + field + ".backbone.base_channels': expected a positive width, found "
          + c.getBaseChannels());
    }
    ResNetV1c.Builder b = ResNetV1c.builder("backbone")
        .depth(c.getDepth())
        .stemChannels(stem)
        .baseChannels(c.getBaseChannels())
        .contractDilation(c.getContractDilation());
    if (c.getStageBlocksCount() > 0) {
      if (c.getStageBlocksCount() != 4) {
        throw new ConfigException("field '" + field + ".backbone.stage_blocks': expected 4 values, found "
            + c.getStageBlocksList());
      }
      b.stageBlocks(c.getStageBlocksList().stream().mapToInt(Integer::intValue).toArray());
    }
    switch (c.getOutputStride()) {
      case 8 -> b.strides(1, 2, 1, 1).dilations(1, 1, 2, 4);
      case 16 -> b.strides(1, 2, 2, 1).dilations(1, 1, 1, 2);
      case 32 -> b.strides(1, 2, 2, 2).dilations(1, 1, 1, 1);
      default -> throw new ConfigException("field '" + field + ".backbone.output_stride': expected 8, 16 or 32, found "
          + c.getOutputStride());
    }
    return b.build();
  }

  /**
   * The driving-scene CNNs use batch norm only (as their references); other norms would be
   * silently ignored, so they are rejected naming the field.
   */
  static void requireBatchNorm(ModelConfig config) {
    if (config.getNorm() != NormType.BATCH) {
      throw new ConfigException("field 'model.norm': expected BATCH for the driving-scene CNNs (sync-BN runs as"
          + " plain BATCH on one device), found " + config.getNorm());
    }
  }

  /** mmseg's auxiliary FCNHead on stage {@code in_index}. */
  static DecodeHead auxHead(AuxHeadConfig c, int numClasses) {
    return FcnHead.builder("auxiliary_head", numClasses)
        .inIndices(c.getInIndex())
        .channels(c.getChannels())
        .numConvs(c.getNumConvs())
        .dropout(c.getDropout())
        .build();
  }
}
