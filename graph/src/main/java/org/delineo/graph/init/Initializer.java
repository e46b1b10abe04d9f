package org.delineo.graph.init;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Builds the initial value of a float variable; random initializers draw from a given seed. */
@FunctionalInterface
public interface Initializer {

  /**
   * Builds the initial value.
   *
   * @param tf ops in the graph's init scope
   * @param shape the variable's shape
   * @param seed a seed fixed by the variable's name, so initial values do not depend on build order
   */
  Operand<TFloat32> create(Ops tf, Shape shape, long seed);
}
