package org.delineo.graph.backbones;

import java.util.List;
import org.delineo.graph.DelineoException;

/**
 * The output contract of a backbone: the feature maps it returns, finest first, each with its
 * channel count and its stride (input pixels per feature pixel). Heads choose what they read from
 * it (the deepest map, a low-level skip, all maps) without knowing which backbone it is, so a head
 * can sit on any backbone that offers what it needs.
 *
 * <pre>{@code
 * FeatureLevels r50d8 = ResNetV1c.builder("backbone").build().featureLevels();
 * // channels [256, 512, 1024, 2048], strides [4, 8, 8, 8]
 * }</pre>
 *
 * @param channels channels of each feature map, finest first
 * @param strides stride of each feature map relative to the input, non-decreasing
 */
public record FeatureLevels(List<Integer> channels, List<Integer> strides) {

  /** Copies both lists and checks they describe the same, non-empty, coarsening maps. */
  public FeatureLevels {
    channels = List.copyOf(channels);
    strides = List.copyOf(strides);
    if (channels.isEmpty() || channels.size() != strides.size()) {
      throw new DelineoException("feature levels: expected one stride per feature map (at least one),"
          + " found channels " + channels + " and strides " + strides);
    }
    for (int i = 0; i < channels.size(); i++) {
      if (channels.get(i) < 1 || strides.get(i) < 1 || (i > 0 && strides.get(i) < strides.get(i - 1))) {
        throw new DelineoException("feature levels: expected positive channels and non-decreasing strides,"
            + " found channels " + channels + " and strides " + strides);
      }
    }
  }

  /** Number of feature maps. */
  public int count() {
    return channels.size();
  }

  /**
   * Index of the deepest (last) map: what single-input heads such as ASPP and pyramid pooling
   * read, as mmseg's {@code in_index=3} of a four-stage backbone.
   */
  public int deepest() {
    return count() - 1;
  }

  /**
   * Index of the finest (first) map: DeepLabV3+'s low-level skip, as mmseg's {@code c1_in_index=0}.
   */
  public int finest() {
    return 0;
  }

  /**
   * Whether the finest map is finer than the deepest one, so that a low-level skip adds detail the
   * deepest map lacks (DeepLabV3+ needs it).
   */
  public boolean hasLowLevelSkip() {
    return strides.get(finest()) < outputStride();
  }

  /** Stride of the deepest map: the input size must be a multiple of it. */
  public int outputStride() {
    return strides.get(deepest());
  }

  /** Channels of all maps concatenated (what a resize-concat head receives). */
  public int totalChannels() {
    return channels.stream().mapToInt(Integer::intValue).sum();
  }
}
