package org.delineo.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A loss term: a pure function from logits {@code [N, ..., K]}, integer labels {@code [N, ...]}
 * (same spatial shape; the term's ignore index marks pixels to leave out) and optional per-pixel
 * weights (the labels' shape, e.g. from the OHEM sampler) to a scalar. It owns no variables and
 * knows nothing about models.
 */
@FunctionalInterface
public interface LossTerm {

  /**
   * The scalar loss.
   *
   * @param pixelWeights per-pixel factors of the labels' shape, or null for none
   */
  Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels, Operand<TFloat32> pixelWeights);

  /** The scalar loss without per-pixel weights. */
  default Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels) {
    return apply(tf, logits, labels, null);
  }
}
