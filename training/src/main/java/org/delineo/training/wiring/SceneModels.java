package org.delineo.training.wiring;

import org.delineo.graph.heads.DecodeHead;
import org.delineo.graph.heads.FcnHead;
import org.delineo.proto.AuxHeadConfig;
import org.delineo.proto.BackboneConfig;
import org.delineo.proto.HrNetV2Config;
import org.delineo.proto.MitConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.MscanConfig;
import org.delineo.proto.NormType;
import org.delineo.proto.ResNetV1cConfig;
import org.delineo.proto.SwinConfig;
import org.delineo.training.config.ConfigException;

/**
 * What the driving-scene heads share: their reference backbones, the batch-norm rule and the
 * auxiliary FCN head. The backbones themselves come from the {@link BackboneRegistry}.
 */
final class SceneModels {
  /** ResNetV1c-50 D8: the reference backbone of deeplabv3plus_r50 and pspnet_r50. */
  static final BackboneConfig RESNET_V1C_50_D8 =
      BackboneConfig.newBuilder().setResnetV1C(ResNetV1cConfig.getDefaultInstance()).build();
  /** HRNetV2-W48: the reference backbone of hrnet_w48. */
  static final BackboneConfig HRNET_V2_W48 =
      BackboneConfig.newBuilder().setHrnetV2(HrNetV2Config.getDefaultInstance()).build();
  /** MiT-B3: the reference backbone of segformer_mit_b3. */
  static final BackboneConfig MIT_B3 =
      BackboneConfig.newBuilder().setMit(MitConfig.getDefaultInstance()).build();
  /** MSCAN-B: the reference backbone of segnext_mscan_b. */
  static final BackboneConfig MSCAN_B =
      BackboneConfig.newBuilder().setMscan(MscanConfig.getDefaultInstance()).build();
  /** Swin-B (window 12): the reference backbone of mask2former_swin_b. */
  static final BackboneConfig SWIN_B =
      BackboneConfig.newBuilder().setSwin(SwinConfig.getDefaultInstance()).build();

  private SceneModels() {}

  /**
   * The driving-scene CNNs use batch norm only (as their references): BATCH, or SYNC_BATCH, which
   * their batch-norm layers honour across data-parallel towers (and which equals BATCH on one
   * device); other norms would be silently ignored, so they are rejected naming the field.
   */
  static void requireBatchNorm(ModelConfig config) {
    if (config.getNorm() != NormType.BATCH && config.getNorm() != NormType.SYNC_BATCH) {
      throw new ConfigException("field 'model.norm': expected BATCH or SYNC_BATCH for the driving-scene CNNs,"
          + " found " + config.getNorm());
    }
  }

  /** mmseg's auxiliary FCNHead on feature {@code in_index} of {@code backbone}; {@code field} is its path. */
  static DecodeHead auxHead(AuxHeadConfig c, int numClasses, SceneBackbone backbone, String field) {
    backbone.requireLevel(c.getInIndex(), field + ".in_index");
    return FcnHead.builder("auxiliary_head", numClasses)
        .inIndices(c.getInIndex())
        .channels(c.getChannels())
        .numConvs(c.getNumConvs())
        .dropout(c.getDropout())
        .build();
  }
}
