package org.delineo.training.optim;

import org.delineo.graph.DelineoException;
import org.delineo.graph.ModelVariable;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The gradient an optimizer applies to one variable: computed by {@link Gradients#of} or built by
 * other code (e.g. Meta-Drop's outer gradients).
 *
 * @param variable the variable to update
 * @param value d loss / d variable, of the variable's shape
 */
public record Gradient(ModelVariable<TFloat32> variable, Operand<TFloat32> value) {

  public Gradient {
    if (variable == null || value == null) {
      throw new DelineoException(
          "a gradient needs a variable and a value, found variable="
              + (variable == null ? "null" : variable.name())
              + " value="
              + value);
    }
  }
}
