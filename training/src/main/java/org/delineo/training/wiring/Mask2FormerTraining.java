package org.delineo.training.wiring;

import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.LossConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.strategy.Mask2FormerStrategy;

/**
 * How a Mask2Former model trains: always with its own matching step ({@link Mask2FormerStrategy}),
 * chosen by the model rather than by a strategy block, because its predictions are queries, not
 * per-pixel logits the other strategies' losses read. The pixel-loss settings of {@code loss} do
 * not apply and are refused rather than ignored: PROVE's {@code --aux-loss} (there are no
 * auxiliary heads and no per-pixel logits), {@code aux_terms}, {@code terms} and {@code ohem}.
 */
final class Mask2FormerTraining {
  private Mask2FormerTraining() {}

  /**
   * @param strategyName the configured strategy ({@code supervised} when unset)
   * @throws ConfigException naming the first field that does not apply to Mask2Former
   */
  static Mask2FormerStrategy strategy(ExperimentConfig config, String strategyName) {
    if (!strategyName.equals("supervised")) {
      throw new ConfigException("field 'strategy." + strategyName + "': Mask2Former trains only with its"
          + " Hungarian-matching step (strategy unset or supervised), found " + strategyName);
    }
    int replicas = Math.max(config.getRuntime().getReplicas(), config.getRuntime().getReplicaDevicesCount());
    if (replicas != 1) {
      throw new ConfigException("field 'runtime.replicas': Mask2Former's two-run matching step runs on one device;"
          + " expected 1, found " + (replicas == 0 ? "0 (one tower per GPU)" : replicas));
    }
    LossConfig loss = config.getLoss();
    if (loss.getAuxLoss() != LossConfig.AuxLoss.NONE) {
      throw new ConfigException("field 'loss.aux_loss' (--aux-loss): Mask2Former has no auxiliary heads and no"
          + " per-pixel logits to add it to; expected NONE, found " + loss.getAuxLoss());
    }
    if (loss.getAuxTermsCount() > 0) {
      throw new ConfigException("field 'loss.aux_terms': Mask2Former has no auxiliary heads and no per-pixel"
          + " logits to add them to; expected none, found " + loss.getAuxTermsCount());
    }
    if (loss.getTermsCount() > 0) {
      throw new ConfigException("field 'loss.terms': Mask2Former's losses are its matched class, mask and Dice"
          + " terms; expected none, found " + loss.getTermsCount());
    }
    if (loss.hasOhem()) {
      throw new ConfigException("field 'loss.ohem': Mask2Former samples its mask points by uncertainty;"
          + " expected unset, found a block");
    }
    return new Mask2FormerStrategy(config.getModel().getMask2Former().getTrainNumPoints(), loss.getIgnoreIndex());
  }
}
