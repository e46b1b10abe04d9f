package org.delineo.training.wiring;

import org.delineo.losses.LossTerm;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;

/** Builds one kind of loss term from its config; registered under the term's config name. */
public interface LossTermFactory {

  /** The term described by {@code term}, with the shared settings of {@code loss} (ignore index...). */
  LossTerm create(LossTermConfig term, LossConfig loss);
}
