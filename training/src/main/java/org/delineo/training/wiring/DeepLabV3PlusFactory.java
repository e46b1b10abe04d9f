package org.delineo.training.wiring;

import com.google.inject.Inject;
import java.util.Map;
import org.delineo.graph.backbones.FeatureLevels;
import org.delineo.graph.heads.DepthwiseSeparableAsppHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.DeepLabV3PlusConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.training.config.ConfigException;

/**
 * DeepLabV3+ ({@code model { deeplabv3plus {} }}): the depthwise-separable ASPP head on the
 * backbone's deepest feature with a low-level skip from its finest one, plus the aux FCN head; on
 * ResNetV1c-50 D8 by default, as PROVE's deeplabv3plus_r50, or on any registered backbone.
 */
final class DeepLabV3PlusFactory implements ModelFactory {
  private final BackboneRegistry backbones;

  @Inject
  DeepLabV3PlusFactory(BackboneRegistry backbones) {
    this.backbones = backbones;
  }

  @Override
  public String summary() {
    return "DeepLabV3+ on ResNetV1c-50 D8, depthwise-separable ASPP + aux FCN head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    DeepLabV3PlusConfig c = config.getDeeplabv3Plus();
    SceneBackbone backbone =
        backbones.build(c.getBackbone(), SceneModels.RESNET_V1C_50_D8, "model.deeplabv3plus.backbone");
    FeatureLevels levels = backbone.levels();
    if (!levels.hasLowLevelSkip()) {
      // Without a finer map the "skip" would be the ASPP input again: no decoder, only cost.
      throw new ConfigException("field 'model.deeplabv3plus.backbone': DeepLabV3+ needs a low-level feature"
          + " finer than the deepest one (stride " + levels.outputStride() + "); the backbone's features have"
          + " strides " + levels.strides());
    }
    DepthwiseSeparableAsppHead.Builder head = DepthwiseSeparableAsppHead.builder("decode_head", numClasses)
        .inIndex(levels.deepest())
        .c1Index(levels.finest())
        .channels(c.getChannels())
        .c1Channels(c.getC1Channels())
        .dropout(c.getDropout());
    if (c.getAsppDilationsCount() > 0) {
      head.dilations(c.getAsppDilationsList().stream().mapToInt(Integer::intValue).toArray());
    }
    return new EncoderDecoder("deeplabv3plus", numClasses, levels.outputStride(), backbone.net(), head.build(),
        c.getAuxHead().getEnabled()
            ? Map.of("aux", SceneModels.auxHead(c.getAuxHead(), numClasses, backbone, "model.deeplabv3plus.aux_head"))
            : Map.of());
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setDeeplabv3Plus(DeepLabV3PlusConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {512, 1024, 3});
  }
}
