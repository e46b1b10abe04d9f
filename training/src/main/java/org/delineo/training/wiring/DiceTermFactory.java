package org.delineo.training.wiring;

import org.delineo.losses.DiceLoss;
import org.delineo.losses.LossTerm;
import org.delineo.proto.DiceLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.training.config.ConfigException;

/** {@code dice}: class-averaged soft Dice over non-ignored pixels (UniMatch form with squared denominators). */
final class DiceTermFactory implements LossTermFactory {

  @Override
  public LossTerm create(LossTermConfig term, LossConfig loss) {
    DiceLossConfig c = term.getDice();
    if (c.getMode() != DiceLossConfig.Mode.CLASS_AVERAGED) {
      throw new ConfigException("field 'loss.terms.dice.mode': " + c.getMode()
          + " is not available yet; valid: CLASS_AVERAGED");
    }
    DiceLoss dice = DiceLoss.builder()
        .smooth(c.getSmooth())
        .exponent(c.getExponent())
        .includeBackground(c.getIncludeBackground())
        .ignoreIndex(loss.getIgnoreIndex())
        .build();
    return (tf, logits, labels, pixelWeights) -> dice.apply(tf, logits, labels);
  }
}
