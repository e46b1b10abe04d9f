package org.delineo.training.wiring;

import org.delineo.losses.BoundaryLoss;
import org.delineo.losses.LossTerm;
import org.delineo.proto.BoundaryLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;

/** {@code boundary}: BCE of predicted vs label boundaries, Sobel (default) or PROVE's morphological form. */
final class BoundaryTermFactory implements LossTermFactory {

  @Override
  public LossTerm create(LossTermConfig term, LossConfig loss) {
    BoundaryLossConfig c = term.getBoundary();
    return BoundaryLoss.builder()
        .mode(c.getMode() == BoundaryLossConfig.Mode.MORPH ? BoundaryLoss.Mode.MORPH : BoundaryLoss.Mode.SOBEL)
        .ignoreIndex(loss.getIgnoreIndex())
        .build();
  }
}
