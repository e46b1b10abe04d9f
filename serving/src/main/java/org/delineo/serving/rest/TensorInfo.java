package org.delineo.serving.rest;

import java.util.List;

/**
 * A signature input or output as TF Serving's metadata endpoint describes it: graph tensor name,
 * dtype (e.g. {@code DT_FLOAT}) and shape ({@code -1} for unknown dimensions; empty and
 * {@code unknownRank} true when even the rank is unknown).
 */
public record TensorInfo(String name, String dtype, List<Long> shape, boolean unknownRank) {
  public TensorInfo {
    shape = List.copyOf(shape);
  }
}
