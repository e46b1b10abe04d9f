package org.delineo.training.wiring;

import java.util.List;
import org.delineo.graph.backbones.Mscan;
import org.delineo.proto.BackboneConfig;
import org.delineo.proto.MscanConfig;
import org.delineo.training.config.ConfigException;

/**
 * SegNeXt's MSCAN ({@code backbone { mscan {} }}): four stages at strides 4, 8, 16 and 32, MSCAN-B
 * by default, mmseg's variable names under {@code backbone.}.
 */
final class MscanBackboneFactory implements BackboneFactory {
  private static final int STAGES = 4;

  @Override
  public SceneBackbone create(BackboneConfig config, String field) {
    MscanConfig c = config.getMscan();
    Mscan.Builder b = Mscan.builder("backbone");
    if (c.getEmbedDimsCount() > 0) {
      int[] dims = stages(c.getEmbedDimsList(), field + ".embed_dims");
      if (dims[0] % 2 != 0) {
        throw new ConfigException("field '" + field + ".embed_dims': expected an even first width (the stem's"
            + " first conv has half of it), found " + c.getEmbedDimsList());
      }
      b.embedDims(dims);
    }
    if (c.getDepthsCount() > 0) {
      b.depths(stages(c.getDepthsList(), field + ".depths"));
    }
    if (c.getMlpRatiosCount() > 0) {
      b.mlpRatios(stages(c.getMlpRatiosList(), field + ".mlp_ratios"));
    }
    if (!(c.getDropPathRate() >= 0f && c.getDropPathRate() < 1f)) {
      throw new ConfigException("field '" + field + ".drop_path_rate': expected a rate in [0, 1), found "
          + c.getDropPathRate());
    }
    Mscan net = b.dropPathRate(c.getDropPathRate()).build();
    return new SceneBackbone(net::apply, net.featureLevels());
  }

  /** Four positive values, one per stage. */
  private static int[] stages(List<Integer> values, String field) {
    if (values.size() != STAGES || values.stream().anyMatch(v -> v < 1)) {
      throw new ConfigException("field '" + field + "': expected " + STAGES + " positive values (one per stage),"
          + " found " + values);
    }
    return values.stream().mapToInt(Integer::intValue).toArray();
  }
}
