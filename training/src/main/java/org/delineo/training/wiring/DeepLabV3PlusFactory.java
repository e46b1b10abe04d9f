package org.delineo.training.wiring;

import java.util.Map;
import org.delineo.graph.heads.DepthwiseSeparableAsppHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.DeepLabV3PlusConfig;
import org.delineo.proto.ModelConfig;

/**
 * DeepLabV3+ R50-V1c D8 ({@code model { deeplabv3plus {} }}), as PROVE's deeplabv3plus_r50;
 * {@code hrnet_backbone} puts the same head on HRNetV2.
 */
final class DeepLabV3PlusFactory implements ModelFactory {

  @Override
  public String summary() {
    return "DeepLabV3+ on ResNetV1c-50 D8, depthwise-separable ASPP + aux FCN head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    DeepLabV3PlusConfig c = config.getDeeplabv3Plus();
    SceneModels.SceneBackbone backbone =
        c.getEncoderCase() == DeepLabV3PlusConfig.EncoderCase.HRNET_BACKBONE
            ? SceneModels.hrnetBackbone(c.getHrnetBackbone(), "model.deeplabv3plus.hrnet_backbone")
            : SceneModels.resnetBackbone(c.getBackbone(), "model.deeplabv3plus.backbone");
    DepthwiseSeparableAsppHead.Builder head = DepthwiseSeparableAsppHead.builder("decode_head", numClasses)
        .channels(c.getChannels())
        .c1Channels(c.getC1Channels())
        .dropout(c.getDropout());
    if (c.getAsppDilationsCount() > 0) {
      head.dilations(c.getAsppDilationsList().stream().mapToInt(Integer::intValue).toArray());
    }
    return new EncoderDecoder("deeplabv3plus", numClasses, backbone.outputStride(), backbone.net(), head.build(),
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
