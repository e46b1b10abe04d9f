package org.delineo.training.wiring;

import com.google.inject.Inject;
import java.util.Map;
import java.util.stream.IntStream;
import org.delineo.graph.backbones.FeatureLevels;
import org.delineo.graph.heads.LightHamHead;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.EncoderDecoder;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.SegNeXtConfig;
import org.delineo.training.config.ConfigException;

/**
 * SegNeXt ({@code model { segnext {} }}): mmseg's LightHamHead on every backbone feature but the
 * finest (MSCAN's stages 2-4, in_index [1, 2, 3]), logits at the first of them (stride 8 on MSCAN);
 * no auxiliary head. On MSCAN-B by default, as PROVE's segnext_mscan-b, or on any registered
 * backbone with at least two features. The head width is mmseg's 512 by default; PROVE's document
 * says 256 (decision PV-9), set by {@code channels} and {@code ham_channels}.
 */
final class SegNeXtFactory implements ModelFactory {
  /** mmseg's {@code GN(num_groups=32)} in every head ConvModule. */
  private static final int GROUPS = 32;

  private final BackboneRegistry backbones;

  @Inject
  SegNeXtFactory(BackboneRegistry backbones) {
    this.backbones = backbones;
  }

  @Override
  public String summary() {
    return "SegNeXt MSCAN-B + LightHamHead (Hamburger NMF, GN 32, head 512), no aux head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    SceneModels.requireBatchNorm(config);
    SegNeXtConfig c = config.getSegnext();
    // Head settings first: a config mistake should not wait for a full backbone to be configured.
    requireGroupMultiple(c.getChannels(), "model.segnext.channels");
    requireGroupMultiple(c.getHamChannels(), "model.segnext.ham_channels");
    if (!(c.getDropout() >= 0f && c.getDropout() < 1f)) {
      throw new ConfigException("field 'model.segnext.dropout': expected a rate in [0, 1), found " + c.getDropout());
    }
    if (c.getMdR() < 1) {
      throw new ConfigException("field 'model.segnext.md_r': expected a positive number of bases, found " + c.getMdR());
    }
    requireNonNegative(c.getTrainSteps(), "model.segnext.train_steps");
    requireNonNegative(c.getEvalSteps(), "model.segnext.eval_steps");
    SceneBackbone backbone = backbones.build(c.getBackbone(), SceneModels.MSCAN_B, "model.segnext.backbone");
    FeatureLevels levels = backbone.levels();
    if (levels.count() < 2) {
      throw new ConfigException("field 'model.segnext.backbone': the SegNeXt head reads every feature but the"
          + " finest, so it needs at least 2 features; the backbone has " + levels.count());
    }
    LightHamHead head = LightHamHead.builder("decode_head", numClasses)
        .inIndices(IntStream.range(1, levels.count()).toArray())
        .channels(c.getChannels())
        .hamChannels(c.getHamChannels())
        .groups(GROUPS)
        .dropout(c.getDropout())
        .rank(c.getMdR())
        .steps(c.getTrainSteps(), c.getEvalSteps())
        .build();
    return new EncoderDecoder("segnext", numClasses, levels.outputStride(), backbone.net(), head, Map.of());
  }

  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setSegnext(SegNeXtConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {512, 512, 3});
  }

  private static void requireGroupMultiple(int value, String field) {
    if (value < GROUPS || value % GROUPS != 0) {
      throw new ConfigException("field '" + field + "': expected a positive multiple of " + GROUPS
          + " (group norm with " + GROUPS + " groups), found " + value);
    }
  }

  private static void requireNonNegative(int value, String field) {
    if (value < 0) {
      throw new ConfigException("field '" + field + "': expected a step count >= 0, found " + value);
    }
  }
}
