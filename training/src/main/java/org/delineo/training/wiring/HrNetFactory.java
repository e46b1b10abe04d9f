package org.delineo.training.wiring;

import java.util.Map;
import org.delineo.graph.heads.FcnHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.HrNetConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.training.config.ConfigException;

/**
 * HRNetV2 + FCN head over all branches ({@code model { hrnet {} }}), as PROVE's hrnet_hr48; no aux
 * head. {@code resnet_backbone} puts the same head on ResNetV1c's four stages.
 */
final class HrNetFactory implements ModelFactory {

  @Override
  public String summary() {
    return "HRNetV2-W48 + FCN head over the concatenated branches, no aux head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    HrNetConfig c = config.getHrnet();
    SceneModels.SceneBackbone backbone;
    if (c.hasResnetBackbone()) {
      // The HRNet fields would be silently ignored next to another backbone.
      if (c.hasWidth() || c.getNumModulesCount() > 0 || c.hasNumBlocks()) {
        throw new ConfigException("field 'model.hrnet.resnet_backbone': width, num_modules and num_blocks configure"
            + " the HRNet backbone and must be unset with a ResNetV1c one, found width " + c.getWidth()
            + ", num_modules " + c.getNumModulesList() + ", num_blocks " + c.getNumBlocks());
      }
      backbone = SceneModels.resnetBackbone(c.getResnetBackbone(), "model.hrnet.resnet_backbone");
    } else {
      backbone = SceneModels.hrnet(c.getWidth(), c.getNumModulesList(), c.getNumBlocks(), "model.hrnet");
    }
    int channels = c.getHeadChannels() > 0 ? c.getHeadChannels() : backbone.totalChannels();
    FcnHead head = FcnHead.builder("decode_head", numClasses)
        .inIndices(0, 1, 2, 3)
        .channels(channels)
        .numConvs(1)
        .kernel(1)
        .concatInput(false)
        .dropout(c.getDropout() > 0 ? c.getDropout() : -1f)
        .build();
    return new EncoderDecoder("hrnet", numClasses, backbone.outputStride(), backbone.net(), head, Map.of());
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setHrnet(HrNetConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {512, 1024, 3});
  }
}
