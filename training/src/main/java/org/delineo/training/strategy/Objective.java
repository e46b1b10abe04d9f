package org.delineo.training.strategy;

import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a strategy minimises on one batch, before any update: the total loss and the named
 * scalars logged with it (loss terms, and {@code loss} itself).
 *
 * @param loss the scalar total loss
 * @param scalars named scalars, including {@code "loss"}
 */
public record Objective(Operand<TFloat32> loss, Map<String, Operand<TFloat32>> scalars) {

  public Objective {
    scalars = Map.copyOf(scalars);
  }
}
