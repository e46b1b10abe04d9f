package org.delineo.training.wiring;

import java.util.Map;
import org.delineo.graph.backbones.ResNetV1c;
import org.delineo.graph.heads.PspHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.PspNetConfig;

/** PSPNet R50-V1c D8 ({@code model { pspnet {} }}), as PROVE's pspnet_r50. */
final class PspNetFactory implements ModelFactory {

  @Override
  public String summary() {
    return "PSPNet on ResNetV1c-50 D8, pyramid pooling 1/2/3/6 + aux FCN head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    PspNetConfig c = config.getPspnet();
    ResNetV1c backbone = SceneModels.resnet(c.getBackbone(), "model.pspnet");
    PspHead.Builder head = PspHead.builder("decode_head", numClasses).channels(c.getChannels()).dropout(c.getDropout());
    if (c.getPoolScalesCount() > 0) {
      head.poolScales(c.getPoolScalesList().stream().mapToInt(Integer::intValue).toArray());
    }
    return new EncoderDecoder("pspnet", numClasses, 8, backbone::apply, head.build(),
        c.getAuxHead().getEnabled() ? Map.of("aux", SceneModels.auxHead(c.getAuxHead(), numClasses)) : Map.of());
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setPspnet(PspNetConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {512, 1024, 3});
  }
}
