package org.delineo.training.wiring;

import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.unet.UNet2d;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.UNetConfig;

/** UniMatch's medical 2D UNet ({@code model { unet { ... } }}). */
final class UNetFactory implements ModelFactory {

  @Override
  public String summary() {
    return "UniMatch medical 2D UNet, channels 16-32-64-128-256, bilinear decoder (reference 1 channel, 4 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    UNetConfig c = config.getUnet();
    UNet2d.Builder b = UNet2d.builder(numClasses).leakySlope(c.getLeakySlope());
    if (c.getChannelsCount() > 0) {
      b.channels(ConfigLists.ints(c.getChannelsList()));
    }
    if (c.getEncoderDropoutCount() > 0) {
      b.encoderDropout(ConfigLists.floats(c.getEncoderDropoutList()));
    }
    return b.build();
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setUnet(UNetConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 4, new long[] {256, 256, 1});
  }
}
