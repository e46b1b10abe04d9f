package org.delineo.training.wiring;

import org.delineo.graph.backbones.FeatureLevels;
import org.delineo.graph.models.Backbone;
import org.delineo.training.config.ConfigException;

/**
 * A configured backbone as the heads see it: the graph builder and its output contract. Heads pick
 * their inputs from {@link #levels} (the deepest map, the low-level skip, all maps, the auxiliary
 * head's {@code in_index}), so any head runs on any backbone that offers what it reads.
 *
 * @param net image in, the feature maps out (finest first)
 * @param levels channels and stride of each feature map
 */
public record SceneBackbone(Backbone net, FeatureLevels levels) {

  /**
   * Checks that feature {@code index} exists, naming {@code field} otherwise: heads index the
   * feature list, and a wrong index would only surface as a graph-building error.
   */
  public void requireLevel(int index, String field) {
    if (index < 0 || index >= levels.count()) {
      throw new ConfigException("field '" + field + "': expected a backbone feature index in [0, "
          + levels.deepest() + "], found " + index);
    }
  }
}
