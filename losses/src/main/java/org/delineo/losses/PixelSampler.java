package org.delineo.losses;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Chooses the pixels a head's losses count (OHEM), as per-pixel weights without gradient. */
@FunctionalInterface
public interface PixelSampler {

  /** Weights of the labels' shape (0 for pixels left out). */
  Operand<TFloat32> weights(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels);
}
