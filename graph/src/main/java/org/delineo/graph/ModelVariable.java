package org.delineo.graph;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TType;

/**
 * One ref variable of the graph: its flat dotted name (the checkpoint key), the {@code VariableV2} op
 * that optimizers assign to, and the {@code identity} read that every consumer uses.
 *
 * @param name flat dotted name mirroring the module tree, e.g. {@code backbone.layer1.0.conv1.weight}
 * @param ref the {@code VariableV2} op; only assignment and apply ops may consume it directly
 * @param value the value read through {@code identity}; feed it to any other op
 * @param shape the static shape
 * @param kind trainable or not, decayed or not
 */
public record ModelVariable<T extends TType>(
    String name, Variable<T> ref, Operand<T> value, Shape shape, VariableKind kind) {

  /** Whether an optimizer updates this variable. */
  public boolean trainable() {
    return kind.trainable();
  }

  /** The number of scalar elements. */
  public long size() {
    return shape.size();
  }
}
