package org.delineo.training.wiring;

import java.util.List;
import org.delineo.graph.backbones.MixTransformer;
import org.delineo.proto.BackboneConfig;
import org.delineo.proto.MitConfig;
import org.delineo.training.config.ConfigException;

/**
 * The Mix Transformer ({@code backbone { mit {} }}, SegFormer's MiT; MiT-B3 by default): four
 * stages at strides 4, 8, 16 and 32, mmseg's variable names under {@code backbone.}. Every setting
 * mistake is a {@code ConfigException} naming its field, before anything is built.
 */
final class MitBackboneFactory implements BackboneFactory {
  /** mmseg's {@code MixVisionTransformer} has four stages in every MiT variant. */
  private static final int STAGES = 4;
  /** MiT-B3, what an empty repeated field of {@code MitConfig} means (its {@code Default:} comments). */
  private static final int[] B3_EMBED_DIMS = {64, 128, 320, 512};
  private static final int[] B3_NUM_LAYERS = {3, 4, 18, 3};
  private static final int[] B3_NUM_HEADS = {1, 2, 5, 8};
  private static final int[] B3_SR_RATIOS = {8, 4, 2, 1};

  @Override
  public SceneBackbone create(BackboneConfig config, String field) {
    MitConfig c = config.getMit();
    int[] dims = stageValues(c.getEmbedDimsList(), B3_EMBED_DIMS, field + ".embed_dims");
    int[] layers = stageValues(c.getNumLayersList(), B3_NUM_LAYERS, field + ".num_layers");
    int[] heads = stageValues(c.getNumHeadsList(), B3_NUM_HEADS, field + ".num_heads");
    int[] sr = stageValues(c.getSrRatiosList(), B3_SR_RATIOS, field + ".sr_ratios");
    for (int i = 0; i < STAGES; i++) {
      if (dims[i] % heads[i] != 0) {
        throw new ConfigException("field '" + field + ".num_heads': stage " + i + " has " + heads[i]
            + " heads, which do not divide its width " + dims[i] + " (embed_dims " + c.getEmbedDimsList() + ")");
      }
    }
    if (c.getMlpRatio() < 1) {
      throw new ConfigException("field '" + field + ".mlp_ratio': expected a positive ratio, found "
          + c.getMlpRatio());
    }
    if (!(c.getDropPathRate() >= 0f && c.getDropPathRate() < 1f)) {
      throw new ConfigException("field '" + field + ".drop_path_rate': expected a rate in [0, 1), found "
          + c.getDropPathRate());
    }
    MixTransformer net = MixTransformer.builder("backbone").embedDims(dims).numLayers(layers).numHeads(heads)
        .srRatios(sr).mlpRatio(c.getMlpRatio()).dropPathRate(c.getDropPathRate()).build();
    return new SceneBackbone(net::apply, net.featureLevels());
  }

  /** The four positive per-stage values of a repeated field, or {@code b3} when it is empty. */
  private static int[] stageValues(List<Integer> values, int[] b3, String field) {
    if (values.isEmpty()) {
      return b3.clone();
    }
    if (values.size() != STAGES || values.stream().anyMatch(v -> v < 1)) {
      throw new ConfigException("field '" + field + "': expected " + STAGES + " positive values (one per stage),"
          + " found " + values);
    }
    return ConfigLists.ints(values);
  }
}
