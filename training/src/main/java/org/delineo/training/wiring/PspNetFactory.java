package org.delineo.training.wiring;

import com.google.inject.Inject;
import java.util.Map;
import org.delineo.graph.heads.PspHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.PspNetConfig;

/**
 * PSPNet ({@code model { pspnet {} }}): the pyramid pooling head on the backbone's deepest feature
 * plus the aux FCN head; on ResNetV1c-50 D8 by default, as PROVE's pspnet_r50, or on any
 * registered backbone.
 */
final class PspNetFactory implements ModelFactory {
  private final BackboneRegistry backbones;

  @Inject
  PspNetFactory(BackboneRegistry backbones) {
    this.backbones = backbones;
  }

  @Override
  public String summary() {
    return "PSPNet on ResNetV1c-50 D8, pyramid pooling 1/2/3/6 + aux FCN head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    PspNetConfig c = config.getPspnet();
    SceneBackbone backbone = backbones.build(c.getBackbone(), SceneModels.RESNET_V1C_50_D8, "model.pspnet.backbone");
    PspHead.Builder head = PspHead.builder("decode_head", numClasses)
        .inIndex(backbone.levels().deepest())
        .channels(c.getChannels())
        .dropout(c.getDropout());
    if (c.getPoolScalesCount() > 0) {
      head.poolScales(c.getPoolScalesList().stream().mapToInt(Integer::intValue).toArray());
    }
    return new EncoderDecoder("pspnet", numClasses, backbone.levels().outputStride(), backbone.net(), head.build(),
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
