package org.delineo.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A loss term: a pure function from logits {@code [N, ..., K]} and integer labels {@code [N, ...]}
 * (same spatial shape) to a scalar. It owns no variables and knows nothing about models.
 */
@FunctionalInterface
public interface LossTerm {

  /** The scalar loss. */
  Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels);
}
