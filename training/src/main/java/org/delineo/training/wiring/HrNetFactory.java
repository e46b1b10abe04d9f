package org.delineo.training.wiring;

import java.util.Map;
import org.delineo.graph.backbones.HrNet;
import org.delineo.graph.heads.FcnHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.HrNetConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.training.config.ConfigException;

/** HRNetV2 + FCN head over all branches ({@code model { hrnet {} }}), as PROVE's hrnet_hr48; no aux head. */
final class HrNetFactory implements ModelFactory {

  @Override
  public String summary() {
    return "HRNetV2-W48 + FCN head over the concatenated branches, no aux head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    HrNetConfig c = config.getHrnet();
    HrNet.Builder b = HrNet.builder("backbone").width(c.getWidth()).blocks(c.getNumBlocks());
    if (c.getNumModulesCount() > 0) {
      if (c.getNumModulesCount() != 3) {
        throw new ConfigException("field 'model.hrnet.num_modules': expected 3 values (stages 2-4), found "
            + c.getNumModulesList());
      }
      b.modules(c.getNumModules(0), c.getNumModules(1), c.getNumModules(2));
    }
    HrNet backbone = b.build();
    int channels = c.getHeadChannels() > 0 ? c.getHeadChannels() : backbone.totalChannels();
    FcnHead head = FcnHead.builder("decode_head", numClasses)
        .inIndices(0, 1, 2, 3)
        .channels(channels)
        .numConvs(1)
        .kernel(1)
        .concatInput(false)
        .dropout(c.getDropout() > 0 ? c.getDropout() : -1f)
        .build();
    return new EncoderDecoder("hrnet", numClasses, 32, backbone::apply, head, Map.of());
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setHrnet(HrNetConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {512, 1024, 3});
  }
}
