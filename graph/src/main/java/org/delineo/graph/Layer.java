package org.delineo.graph;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** A module with one float input and one float output (convolutions, norms, activations...). */
@FunctionalInterface
public interface Layer {

  /** Builds the layer's ops on {@code input}; creates its variables on the first call. */
  Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input);
}
