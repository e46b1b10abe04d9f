package org.delineo.training.wiring;

import com.google.inject.Inject;
import com.google.inject.Key;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.semsim.SemSimUNet;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.SemSimUNetConfig;
import org.delineo.proto.SpatialFusionConfig;

/**
 * SemSim's UNet with the Spatial-aware Fusion Module ({@code model { semsim_unet { ... } }}). The
 * module is built when {@code sfm.enabled} and the binding {@link #FUSION} are both true; the
 * {@code no-sfm} ablation binds the latter to false.
 */
final class SemSimUNetFactory implements ModelFactory {
  /** Whether the fusion module may be built (false under the {@code no-sfm} ablation). */
  static final Key<Boolean> FUSION = Key.get(Boolean.class, Names.named("semsim.sfm"));

  private final boolean fusionAllowed;

  @Inject
  SemSimUNetFactory(@Named("semsim.sfm") Boolean fusionAllowed) {
    this.fusionAllowed = fusionAllowed;
  }

  @Override
  public String summary() {
    // No parameter count here: it would go stale with any SFM change; `models --params` counts them.
    return "SemSim: UniMatch medical 2D UNet 16-256 + Spatial-aware Fusion Module (D 128, 4x4 windows,"
        + " 4 heads; training only), reference 1 channel, 4 classes";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SemSimUNetConfig c = config.getSemsimUnet();
    SpatialFusionConfig f = c.getSfm();
    SemSimUNet.Builder b = SemSimUNet.builder(numClasses)
        .leakySlope(c.getLeakySlope())
        .fusionEnabled(f.getEnabled() && fusionAllowed)
        .dim(f.getDim())
        .windows(f.getWindows())
        .heads(f.getHeads())
        .mlpRatio(f.getMlpRatio())
        .stages(ConfigLists.ints(f.getStagesList()));
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
    ModelConfig config = ModelConfig.newBuilder().setSemsimUnet(SemSimUNetConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 4, new long[] {224, 224, 1});
  }
}
