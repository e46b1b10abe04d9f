package org.delineo.graph.models;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** A feature extractor: image in, one feature map per stage out (finest first). */
@FunctionalInterface
public interface Backbone {

  List<Operand<TFloat32>> apply(GraphContext ctx, Operand<TFloat32> image);
}
