package org.delineo.training.wiring;

import org.delineo.losses.LossTerm;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;

/** A term that is always 0: what an ablation binds in place of a term it removes. */
final class ZeroTermFactory implements LossTermFactory {

  @Override
  public LossTerm create(LossTermConfig term, LossConfig loss) {
    return (tf, logits, labels, pixelWeights) -> tf.constant(0f);
  }
}
