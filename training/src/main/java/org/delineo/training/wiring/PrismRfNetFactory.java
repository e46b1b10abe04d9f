package org.delineo.training.wiring;

import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.rfnet.PrismRfNet;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.NormType;
import org.delineo.proto.PrismRfNetConfig;
import org.delineo.training.config.ConfigException;

/** The RFNet-style multi-modal 3D network of PRISM ({@code model { prism_rfnet { ... } }}). */
final class PrismRfNetFactory implements ModelFactory {

  @Override
  public String summary() {
    return "PRISM / PASSION RFNet: per-modality 3D encoders, shared uni-modal decoder, region-aware fusion decoder"
        + " with PRM heads (reference: RFNet b = 16, 4 modalities, 4 classes, 80^3)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    PrismRfNetConfig c = config.getPrismRfnet();
    if (config.getNorm() != NormType.BATCH && config.getNorm() != NormType.INSTANCE) {
      throw new ConfigException("model.norm: prism_rfnet always uses instance norm (as RFNet); found " + config.getNorm());
    }
    PrismRfNet.Builder b = PrismRfNet.builder(numClasses)
        .basicDims(c.getBasicDims())
        .levels(c.getLevels())
        .modalities(c.getModalitiesList())
        .fusionHidden(c.getFusionHidden())
        .leakySlope(c.getLeakySlope())
        .inputSize(c.getCropSize());
    PrismRfNet net = b.build();
    if (net.modalities().size() != inChannels) {
      throw new ConfigException("model.prism_rfnet: " + net.modalities().size() + " modalities " + net.modalities()
          + " need as many input channels, found " + inChannels);
    }
    return net;
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder()
        .setPrismRfnet(PrismRfNetConfig.newBuilder().setBasicDims(16)).build();
    return new ReferenceSetup(config, 4, new long[] {80, 80, 80, 4});
  }
}
