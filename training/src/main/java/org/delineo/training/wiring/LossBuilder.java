package org.delineo.training.wiring;

import com.google.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.delineo.losses.HeadLosses;
import org.delineo.losses.WeightedTerm;
import org.delineo.proto.CrossEntropyLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.training.config.ConfigException;

/**
 * Turns {@code loss.terms} into the {@link HeadLosses} of a model, through the loss-term registry.
 * With no terms configured, the main head gets cross-entropy with weight 1 (mmseg's default).
 */
public final class LossBuilder {
  private final LossConfig config;
  private final Map<String, LossTermFactory> factories;

  @Inject
  LossBuilder(LossConfig config, Map<String, LossTermFactory> factories) {
    this.config = config;
    this.factories = factories;
  }

  /** The head losses the config describes. */
  public HeadLosses build() {
    List<LossTermConfig> terms = config.getTermsList();
    if (terms.isEmpty()) {
      terms = List.of(LossTermConfig.newBuilder()
          .setCrossEntropy(CrossEntropyLossConfig.getDefaultInstance()).build());
    }
    List<WeightedTerm> out = new ArrayList<>();
    for (int i = 0; i < terms.size(); i++) {
      LossTermConfig t = terms.get(i);
      if (t.getTermCase() == LossTermConfig.TermCase.TERM_NOT_SET) {
        throw new ConfigException("field 'loss.terms[" + i + "]': expected one of "
            + String.join(", ", factories.keySet()) + ", found no term");
      }
      String name = t.getDescriptorForType().findFieldByNumber(t.getTermCase().getNumber()).getName();
      LossTermFactory factory = factories.get(name);
      if (factory == null) {
        throw new ConfigException("field 'loss.terms[" + i + "]': loss '" + name
            + "' is not available yet; valid losses: " + String.join(", ", factories.keySet()));
      }
      out.add(new WeightedTerm(t.getHead(), t.getHead() + "." + name, t.getWeight(), factory.create(t, config)));
    }
    return new HeadLosses(out);
  }
}
