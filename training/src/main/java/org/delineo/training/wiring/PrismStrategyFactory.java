package org.delineo.training.wiring;

import com.google.inject.Inject;
import com.google.inject.name.Named;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ModalityMaskMode;
import org.delineo.training.strategy.PrismStrategy;
import org.delineo.training.strategy.TrainingStrategy;

/**
 * Builds {@link PrismStrategy} from {@code strategy.prism}; which terms are on comes from the
 * {@code prism.*} switches that the PRISM ablations override.
 */
final class PrismStrategyFactory implements StrategyFactory {
  /** Switch keys, bound true by {@link StrategiesModule}. */
  static final String DISTILL = "prism.distill";
  static final String KL = "prism.kl";
  static final String PROTO = "prism.proto";
  static final String UNIFORM_PRM = "prism.uniform_prm";
  static final String UNWEIGHTED_CE = "prism.unweighted_ce";

  private final PrismStrategy.Terms terms;

  @Inject
  PrismStrategyFactory(@Named(DISTILL) boolean distill, @Named(KL) boolean kl, @Named(PROTO) boolean proto,
      @Named(UNIFORM_PRM) boolean uniformPrm, @Named(UNWEIGHTED_CE) boolean unweightedCe) {
    this.terms = new PrismStrategy.Terms(distill, kl, proto, uniformPrm, unweightedCe);
  }

  @Override
  public TrainingStrategy create(ExperimentConfig config) {
    ModalityMaskMode mode = config.getData().getModalityMaskMode();
    boolean caseWise = mode == ModalityMaskMode.UTD || mode == ModalityMaskMode.UTD_DROP;
    return new PrismStrategy(config.getStrategy().getPrism(), terms,
        caseWise && config.getStrategy().getPrism().getAdaptiveModalityWeights());
  }
}
