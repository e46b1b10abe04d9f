package org.delineo.training.wiring;

import org.delineo.losses.LossTerm;
import org.delineo.losses.LovaszSoftmaxLoss;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.proto.LovaszLossConfig;

/** {@code lovasz}: mmseg's multi-class Lovász-softmax (per image or per batch, all or present classes). */
final class LovaszTermFactory implements LossTermFactory {

  @Override
  public LossTerm create(LossTermConfig term, LossConfig loss) {
    LovaszLossConfig c = term.getLovasz();
    LovaszSoftmaxLoss.Builder b = LovaszSoftmaxLoss.builder()
        .perImage(c.getPerImage())
        .classes(c.getClasses() == LovaszLossConfig.Classes.PRESENT
            ? LovaszSoftmaxLoss.Classes.PRESENT : LovaszSoftmaxLoss.Classes.ALL)
        .ignoreIndex(loss.getIgnoreIndex());
    if (c.getClassWeightsCount() > 0) {
      float[] w = new float[c.getClassWeightsCount()];
      for (int i = 0; i < w.length; i++) {
        w[i] = c.getClassWeights(i);
      }
      b.classWeights(w);
    }
    return b.build();
  }
}
