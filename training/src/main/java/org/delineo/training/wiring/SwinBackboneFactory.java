package org.delineo.training.wiring;

import java.util.List;
import org.delineo.graph.backbones.SwinTransformer;
import org.delineo.proto.BackboneConfig;
import org.delineo.proto.SwinConfig;
import org.delineo.training.config.ConfigException;

/**
 * The Swin Transformer ({@code backbone { swin {} }}; Mask2Former's Swin-B by default): four stages at
 * strides 4, 8, 16 and 32 with embed_dims·2^i channels, mmseg's variable names under
 * {@code backbone.}. Every setting mistake is a {@code ConfigException} naming its field, before
 * anything is built.
 */
final class SwinBackboneFactory implements BackboneFactory {
  /** mmseg's Swin configs all have four stages (one output index each). */
  private static final int STAGES = 4;
  /** Swin-B, what an empty repeated field of {@code SwinConfig} means (its {@code Default:} comments). */
  private static final int[] SWIN_B_DEPTHS = {2, 2, 18, 2};
  private static final int[] SWIN_B_NUM_HEADS = {4, 8, 16, 32};

  @Override
  public SceneBackbone create(BackboneConfig config, String field) {
    SwinConfig c = config.getSwin();
    requirePositive(c.getEmbedDims(), field + ".embed_dims");
    requirePositive(c.getWindowSize(), field + ".window_size");
    requirePositive(c.getMlpRatio(), field + ".mlp_ratio");
    int[] depths = stageValues(c.getDepthsList(), SWIN_B_DEPTHS, field + ".depths");
    int[] heads = stageValues(c.getNumHeadsList(), SWIN_B_NUM_HEADS, field + ".num_heads");
    for (int i = 0; i < STAGES; i++) {
      int width = c.getEmbedDims() << i;
      if (width % heads[i] != 0) {
        throw new ConfigException("field '" + field + ".num_heads': stage " + i + " has " + heads[i]
            + " heads, which do not divide its width " + width + " (embed_dims " + c.getEmbedDims() + " x 2^" + i
            + ")");
      }
    }
    if (!(c.getDropPathRate() >= 0f && c.getDropPathRate() < 1f)) {
      throw new ConfigException("field '" + field + ".drop_path_rate': expected a rate in [0, 1), found "
          + c.getDropPathRate());
    }
    SwinTransformer net = SwinTransformer.builder("backbone").embedDims(c.getEmbedDims()).depths(depths)
        .numHeads(heads).windowSize(c.getWindowSize()).mlpRatio(c.getMlpRatio()).dropPathRate(c.getDropPathRate())
        .build();
    return new SceneBackbone(net::apply, net.featureLevels());
  }

  private static void requirePositive(int value, String field) {
    if (value < 1) {
      throw new ConfigException("field '" + field + "': expected a positive value, found " + value);
    }
  }

  /** The four positive per-stage values of a repeated field, or Swin-B's when it is empty. */
  private static int[] stageValues(List<Integer> values, int[] swinB, String field) {
    if (values.isEmpty()) {
      return swinB.clone();
    }
    if (values.size() != STAGES || values.stream().anyMatch(v -> v < 1)) {
      throw new ConfigException("field '" + field + "': expected " + STAGES + " positive values (one per stage),"
          + " found " + values);
    }
    return ConfigLists.ints(values);
  }
}
