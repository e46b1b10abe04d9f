package org.delineo.training.wiring;

import com.google.inject.Inject;
import java.util.Map;
import java.util.stream.IntStream;
import org.delineo.graph.backbones.FeatureLevels;
import org.delineo.graph.heads.FcnHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.HrNetConfig;
import org.delineo.proto.ModelConfig;

/**
 * HRNetV2's FCN head ({@code model { hrnet {} }}): every backbone feature resized to the finest
 * one and concatenated, one 1 × 1 conv, the classifier; no aux head. On HRNetV2-W48 by default, as
 * PROVE's hrnet_hr48, or on any registered backbone.
 */
final class HrNetFactory implements ModelFactory {
  private final BackboneRegistry backbones;

  @Inject
  HrNetFactory(BackboneRegistry backbones) {
    this.backbones = backbones;
  }

  @Override
  public String summary() {
    return "HRNetV2-W48 + FCN head over the concatenated branches, no aux head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    HrNetConfig c = config.getHrnet();
    SceneBackbone backbone = backbones.build(c.getBackbone(), SceneModels.HRNET_V2_W48, "model.hrnet.backbone");
    FeatureLevels levels = backbone.levels();
    int channels = c.getHeadChannels() > 0 ? c.getHeadChannels() : levels.totalChannels();
    FcnHead head = FcnHead.builder("decode_head", numClasses)
        .inIndices(IntStream.range(0, levels.count()).toArray())
        .channels(channels)
        .numConvs(1)
        .kernel(1)
        .concatInput(false)
        .dropout(c.getDropout() > 0 ? c.getDropout() : -1f)
        .build();
    return new EncoderDecoder("hrnet", numClasses, levels.outputStride(), backbone.net(), head, Map.of());
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setHrnet(HrNetConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {512, 1024, 3});
  }
}
