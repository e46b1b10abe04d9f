package org.delineo.training.wiring;

import org.delineo.losses.BoundaryAwareFocalLoss;
import org.delineo.losses.LossTerm;
import org.delineo.proto.BoundaryFocalLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;

/** {@code boundary_focal}: focal × (1 + λ·Sobel edge weight of the labels). */
final class BoundaryFocalTermFactory implements LossTermFactory {

  @Override
  public LossTerm create(LossTermConfig term, LossConfig loss) {
    BoundaryFocalLossConfig c = term.getBoundaryFocal();
    return BoundaryAwareFocalLoss.builder()
        .focal(FocalTermFactory.focal(c.getFocal(), loss.getIgnoreIndex(), "loss.terms.boundary_focal.focal"))
        .lambda(c.getBoundaryWeight())
        .build();
  }
}
