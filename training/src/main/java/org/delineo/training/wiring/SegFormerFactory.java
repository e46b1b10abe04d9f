package org.delineo.training.wiring;

import com.google.inject.Inject;
import java.util.Map;
import java.util.stream.IntStream;
import org.delineo.graph.backbones.FeatureLevels;
import org.delineo.graph.heads.SegformerHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.SegFormerConfig;
import org.delineo.training.config.ConfigException;

/**
 * SegFormer ({@code model { segformer {} }}): the all-MLP head over every backbone feature, no
 * auxiliary head; on MiT-B3 by default, as mmseg's {@code segformer_mit-b3} and PROVE's
 * segformer_mit-b3, or on any registered backbone.
 */
final class SegFormerFactory implements ModelFactory {
  private final BackboneRegistry backbones;

  @Inject
  SegFormerFactory(BackboneRegistry backbones) {
    this.backbones = backbones;
  }

  @Override
  public String summary() {
    return "SegFormer: MiT-B3 + all-MLP head over the four stages, no aux head (reference 19 classes, 1024x1024)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    // The head's ConvModules use batch norm (mmseg: SyncBN), as the CNN families.
    SceneModels.requireBatchNorm(config);
    SegFormerConfig c = config.getSegformer();
    if (c.getChannels() < 1) {
      throw new ConfigException("field 'model.segformer.channels': expected a positive width, found "
          + c.getChannels());
    }
    if (!(c.getDropout() >= 0f && c.getDropout() < 1f)) {
      throw new ConfigException("field 'model.segformer.dropout': expected a rate in [0, 1), found "
          + c.getDropout());
    }
    SceneBackbone backbone = backbones.build(c.getBackbone(), SceneModels.MIT_B3, "model.segformer.backbone");
    FeatureLevels levels = backbone.levels();
    SegformerHead head = SegformerHead.builder("decode_head", numClasses)
        .inIndices(IntStream.range(0, levels.count()).toArray())
        .channels(c.getChannels())
        .dropout(c.getDropout())
        .build();
    return new EncoderDecoder("segformer", numClasses, levels.outputStride(), backbone.net(), head, Map.of());
  }

  /** mmseg's {@code segformer_mit-b3_8xb1-160k_cityscapes-1024x1024}: 19 classes, crop 1024 × 1024. */
  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setSegformer(SegFormerConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {1024, 1024, 3});
  }
}
