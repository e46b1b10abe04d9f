package org.delineo.training.wiring;

import org.delineo.losses.DiceLoss;
import org.delineo.losses.LossTerm;
import org.delineo.proto.DiceLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;

/**
 * {@code dice}: class-averaged soft Dice over non-ignored pixels (UniMatch form), or mmseg 1.0's
 * smooth/exponent form as a compatibility mode.
 */
final class DiceTermFactory implements LossTermFactory {

  @Override
  public LossTerm create(LossTermConfig term, LossConfig loss) {
    DiceLossConfig c = term.getDice();
    DiceLoss.Builder b = DiceLoss.builder()
        .mode(c.getMode() == DiceLossConfig.Mode.MMSEG_V1 ? DiceLoss.Mode.MMSEG_V1 : DiceLoss.Mode.CLASS_AVERAGED)
        .smooth(c.getSmooth())
        .exponent(c.getExponent())
        .ignoreIndex(loss.getIgnoreIndex());
    if (c.getMode() != DiceLossConfig.Mode.MMSEG_V1) {
      b.includeBackground(c.getIncludeBackground());
    }
    return b.build();
  }
}
