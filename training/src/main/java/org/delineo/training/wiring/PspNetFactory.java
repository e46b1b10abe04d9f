package org.delineo.training.wiring;

import java.util.Map;
import org.delineo.graph.heads.PspHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.PspNetConfig;

/**
 * PSPNet R50-V1c D8 ({@code model { pspnet {} }}), as PROVE's pspnet_r50; {@code hrnet_backbone}
 * puts the same head on HRNetV2.
 */
final class PspNetFactory implements ModelFactory {

  @Override
  public String summary() {
    return "PSPNet on ResNetV1c-50 D8, pyramid pooling 1/2/3/6 + aux FCN head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    PspNetConfig c = config.getPspnet();
    SceneModels.SceneBackbone backbone = c.getEncoderCase() == PspNetConfig.EncoderCase.HRNET_BACKBONE
        ? SceneModels.hrnetBackbone(c.getHrnetBackbone(), "model.pspnet.hrnet_backbone")
        : SceneModels.resnetBackbone(c.getBackbone(), "model.pspnet.backbone");
    PspHead.Builder head = PspHead.builder("decode_head", numClasses).channels(c.getChannels()).dropout(c.getDropout());
    if (c.getPoolScalesCount() > 0) {
      head.poolScales(c.getPoolScalesList().stream().mapToInt(Integer::intValue).toArray());
    }
    return new EncoderDecoder("pspnet", numClasses, backbone.outputStride(), backbone.net(), head.build(),
        c.getAuxHead().getEnabled()
            ? Map.of("aux", SceneModels.auxHead(c.getAuxHead(), numClasses, backbone, "model.pspnet.aux_head"))
            : Map.of());
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setPspnet(PspNetConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {512, 1024, 3});
  }
}
