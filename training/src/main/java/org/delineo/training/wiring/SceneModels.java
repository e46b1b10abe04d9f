package org.delineo.training.wiring;

import java.util.Arrays;
import java.util.List;
import org.delineo.graph.backbones.HrNet;
import org.delineo.graph.backbones.ResNetV1c;
import org.delineo.graph.heads.DecodeHead;
import org.delineo.graph.heads.FcnHead;
import org.delineo.graph.models.Backbone;
import org.delineo.proto.AuxHeadConfig;
import org.delineo.proto.HrNetBackboneConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.NormType;
import org.delineo.proto.ResNetV1cConfig;
import org.delineo.training.config.ConfigException;

/**
 * Pieces the driving-scene factories share: the ResNetV1c and HRNetV2 backbones (either may carry
 * any family's head) and the auxiliary FCN head.
 */
final class SceneModels {
  private SceneModels() {}

  /**
   * A configured backbone and what heads and the model need to know about it.
   *
   * @param net the feature extractor (four feature maps, finest first)
   * @param outChannels channels of each feature map
   * @param outputStride total stride of the coarsest feature map (the model's size divisor)
   */
  record SceneBackbone(Backbone net, int[] outChannels, int outputStride) {

    /** Channels of all feature maps concatenated (what a resize-concat head receives). */
    int totalChannels() {
      return Arrays.stream(outChannels).sum();
    }

    /**
     * Checks that feature {@code index} exists, naming {@code field} otherwise: heads index the
     * feature list, and a wrong index would only surface as a graph-building error.
     */
    void requireFeature(int index, String field) {
      if (index < 0 || index >= outChannels.length) {
        throw new ConfigException("field '" + field + "': expected a backbone feature index in [0, "
            + (outChannels.length - 1) + "], found " + index);
      }
    }
  }

  /** {@link #resnet} as a {@link SceneBackbone}; {@code field} is the ResNetV1cConfig's path. */
  static SceneBackbone resnetBackbone(ResNetV1cConfig c, String field) {
    ResNetV1c net = resnet(c, field);
    return new SceneBackbone(net::apply, net.outChannels().stream().mapToInt(Integer::intValue).toArray(),
        net.outputStride());
  }

  /**
   * ResNetV1c with output stride 8 (dilations 2, 4), 16 (dilation 2 in the last stage) or 32.
   *
   * @param field the config path of {@code c} for error messages, e.g. {@code model.pspnet.backbone}
   */
  static ResNetV1c resnet(ResNetV1cConfig c, String field) {
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

  /** HRNetV2 of {@code c}; {@code field} is the HrNetBackboneConfig's path. */
  static SceneBackbone hrnetBackbone(HrNetBackboneConfig c, String field) {
    return hrnet(c.getWidth(), c.getNumModulesList(), c.getNumBlocks(), field);
  }

  /**
   * HRNetV2 of branch width {@code width}, {@code numModules} (empty or 3 values) modules in stages
   * 2-4 and {@code blocks} basic blocks per branch; {@code field} prefixes the fields in messages.
   */
  static SceneBackbone hrnet(int width, List<Integer> numModules, int blocks, String field) {
    HrNet.Builder b = HrNet.builder("backbone").width(width).blocks(blocks);
    if (!numModules.isEmpty()) {
      if (numModules.size() != 3) {
        throw new ConfigException("field '" + field + ".num_modules': expected 3 values (stages 2-4), found "
            + numModules);
      }
      b.modules(numModules.get(0), numModules.get(1), numModules.get(2));
    }
    HrNet net = b.build();
    // The coarsest branch is at 1/32 (stem 1/4, then three halving transitions).
    return new SceneBackbone(net::apply, net.branchChannels(), 32);
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

  /** mmseg's auxiliary FCNHead on feature {@code in_index} of {@code backbone}; {@code field} is its path. */
  static DecodeHead auxHead(AuxHeadConfig c, int numClasses, SceneBackbone backbone, String field) {
    backbone.requireFeature(c.getInIndex(), field + ".in_index");
    return FcnHead.builder("auxiliary_head", numClasses)
        .inIndices(c.getInIndex())
        .channels(c.getChannels())
        .numConvs(c.getNumConvs())
        .dropout(c.getDropout())
        .build();
  }
}
