package org.delineo.graph.heads;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A segmentation decode head in mmsegmentation's sense: it takes the backbone's multi-level NHWC
 * features (index 0 = highest resolution) and returns class logits [N, h, w, K] at the resolution
 * of the level(s) it reads; resizing to the image is the model's job.
 */
@FunctionalInterface
public interface DecodeHead {

  /** Builds the head's ops on {@code features}; creates its variables on the first call. */
  Operand<TFloat32> apply(GraphContext ctx, List<Operand<TFloat32>> features);
}
