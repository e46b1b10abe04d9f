package org.delineo.training.wiring;

import org.delineo.losses.FocalLoss;
import org.delineo.losses.LossTerm;
import org.delineo.proto.FocalLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.training.config.ConfigException;

/** {@code focal}: mmseg's sigmoid focal loss or the softmax multi-class form (PROVE's choice). */
final class FocalTermFactory implements LossTermFactory {

  @Override
  public LossTerm create(LossTermConfig term, LossConfig loss) {
    return focal(term.getFocal(), loss.getIgnoreIndex(), "loss.terms.focal");
  }

  /** The focal loss of {@code c}; {@code field} names it in errors. */
  static FocalLoss focal(FocalLossConfig c, int ignoreIndex, String field) {
    if (c.getMeanOverValid()) {
      throw new ConfigException("field '" + field + ".mean_over_valid': true is not available; the sigmoid form"
          + " averages over all N x K entries as mmseg, the softmax form over valid pixels");
    }
    return FocalLoss.builder()
        .form(c.getForm() == FocalLossConfig.Form.SIGMOID ? FocalLoss.Form.SIGMOID : FocalLoss.Form.SOFTMAX)
        .gamma(c.getGamma())
        .alpha(c.getAlpha())
        .ignoreIndex(ignoreIndex)
        .build();
  }
}
