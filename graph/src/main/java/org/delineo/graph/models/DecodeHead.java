package org.delineo.graph.models;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** A segmentation head: the backbone's stage features in, class logits out (below input resolution). */
@FunctionalInterface
public interface DecodeHead {

  Operand<TFloat32> apply(GraphContext ctx, List<Operand<TFloat32>> features);
}
