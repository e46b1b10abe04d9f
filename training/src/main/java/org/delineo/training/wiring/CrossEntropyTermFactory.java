package org.delineo.training.wiring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.delineo.losses.CrossEntropyLoss;
import org.delineo.losses.LossTerm;
import org.delineo.proto.CrossEntropyLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.training.config.ConfigException;

/** {@code cross_entropy}: mmseg's CrossEntropyLoss (ignore index, avg_non_ignore, class weights, label smoothing). */
final class CrossEntropyTermFactory implements LossTermFactory {

  @Override
  public LossTerm create(LossTermConfig term, LossConfig loss) {
    CrossEntropyLossConfig c = term.getCrossEntropy();
    CrossEntropyLoss.Builder b = CrossEntropyLoss.builder()
        .ignoreIndex(loss.getIgnoreIndex())
        .avgNonIgnore(c.getAvgNonIgnore())
        .labelSmoothing(c.getLabelSmoothing());
    float[] weights = classWeights(c);
    if (weights != null) {
      b.classWeights(weights);
    }
    return b.build();
  }

  /** Weights from the list, or from a file of whitespace- or comma-separated numbers; null if none. */
  private static float[] classWeights(CrossEntropyLossConfig c) {
    if (c.getClassWeightsCount() > 0) {
      float[] w = new float[c.getClassWeightsCount()];
      for (int i = 0; i < w.length; i++) {
        w[i] = c.getClassWeights(i);
      }
      return w;
    }
    if (c.getClassWeightFile().isEmpty()) {
      return null;
    }
    Path file = Path.of(c.getClassWeightFile());
    try {
      String[] parts = Files.readString(file).trim().split("[\\s,]+");
      float[] w = new float[parts.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = Float.parseFloat(parts[i]);
      }
      return w;
    } catch (IOException | NumberFormatException e) {
      throw new ConfigException("field 'loss.terms.cross_entropy.class_weight_file': expected a file of "
          + "numbers, " + file + ": " + e.getMessage(), e);
    }
  }
}
