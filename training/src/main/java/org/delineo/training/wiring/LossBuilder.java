package org.delineo.training.wiring;

import com.google.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.delineo.losses.HeadLosses;
import org.delineo.losses.PixelSampler;
import org.delineo.losses.TermWeight;
import org.delineo.losses.WeightedTerm;
import org.delineo.proto.BoundaryLossConfig;
import org.delineo.proto.CrossEntropyLossConfig;
import org.delineo.proto.DiceLossConfig;
import org.delineo.proto.FocalLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.proto.LovaszLossConfig;
import org.delineo.proto.ScheduleConfig;
import org.delineo.proto.WeightScheduleConfig;
import org.delineo.training.config.ConfigException;

/**
 * Turns the {@code loss} section into the {@link HeadLosses} of a model with the given heads,
 * through the loss-term registry, as PROVE composes them:
 *
 * <ul>
 *   <li>{@code terms}, or by default cross-entropy on {@code decode} (weight 1) and on each
 *       auxiliary head (weight {@code aux_head_weight}, 0.4);
 *   <li>{@code aux_loss} (PROVE's {@code --aux-loss}) and every {@code aux_terms} entry appended to
 *       every head: {@code Total = CE_dec + 0.3·X_dec + 0.4·CE_aux + 0.3·X_aux};
 *   <li>weights constant or scheduled on the global step; OHEM pixel weights when {@code ohem} is set.
 * </ul>
 */
public final class LossBuilder {
  private final LossConfig config;
  private final ScheduleConfig schedule;
  private final Map<String, LossTermFactory> factories;
  private final PixelSamplerFactory samplers;

  @Inject
  LossBuilder(LossConfig config, ScheduleConfig schedule, Map<String, LossTermFactory> factories,
      PixelSamplerFactory samplers) {
    this.config = config;
    this.schedule = schedule;
    this.factories = factories;
    this.samplers = samplers;
  }

  /** The head losses of a model whose only head is {@code decode}. */
  public HeadLosses build() {
    return build(Set.of("decode"));
  }

  /** The head losses of a model with these heads ({@code decode} plus auxiliary heads). */
  public HeadLosses build(Set<String> modelHeads) {
    // decode first, then auxiliary heads by name: a stable order for logs and term names.
    List<String> heads = new ArrayList<>(new TreeSet<>(modelHeads));
    if (heads.remove("decode")) {
      heads.add(0, "decode");
    }
    List<WeightedTerm> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    List<LossTermConfig> terms = config.getTermsList();
    if (terms.isEmpty()) {
      for (String head : heads) {
        float w = head.equals("decode") ? 1f : config.getAuxHeadWeight();
        add(out, names, "loss.terms", head, LossTermConfig.newBuilder().setHead(head).setWeight(w)
            .setCrossEntropy(CrossEntropyLossConfig.getDefaultInstance()).build(), 0);
      }
    } else {
      for (int i = 0; i < terms.size(); i++) {
        add(out, names, "loss.terms[" + i + "]", terms.get(i).getHead(), terms.get(i), i);
      }
    }
    List<LossTermConfig> extra = new ArrayList<>();
    if (config.getAuxLoss() != LossConfig.AuxLoss.NONE) {
      extra.add(auxLossTerm(config.getAuxLoss(), config.getAuxLossWeight()));
    }
    extra.addAll(config.getAuxTermsList());
    for (String head : heads) {
      for (int i = 0; i < extra.size(); i++) {
        add(out, names, "loss.aux_terms[" + i + "]", head, extra.get(i), i);
      }
    }
    PixelSampler sampler = config.hasOhem() ? samplers.create(config.getOhem(), config.getIgnoreIndex()) : null;
    return new HeadLosses(out, sampler);
  }

  private void add(List<WeightedTerm> out, Set<String> names, String field, String head,
      LossTermConfig t, int index) {
    if (t.getTermCase() == LossTermConfig.TermCase.TERM_NOT_SET) {
      throw new ConfigException("field '" + field + "': expected one of "
          + String.join(", ", factories.keySet()) + ", found no term");
    }
    String kind = termName(t);
    LossTermFactory factory = factories.get(kind);
    if (factory == null) {
      throw new ConfigException("field '" + field + "': loss '" + kind
          + "' is not available; valid losses: " + String.join(", ", factories.keySet()));
    }
    String name = head + "." + kind;
    if (!names.add(name)) {
      name = name + "#" + index;
      names.add(name);
    }
    out.add(new WeightedTerm(head, name, weight(field, t), factory.create(t, config)));
  }

  /** The config name of a term, e.g. {@code focal}. */
  static String termName(LossTermConfig t) {
    return t.getDescriptorForType().findFieldByNumber(t.getTermCase().getNumber()).getName();
  }

  private TermWeight weight(String field, LossTermConfig t) {
    if (!t.hasWeightSchedule() || t.getWeightSchedule().getKind() == WeightScheduleConfig.Kind.CONSTANT) {
      return TermWeight.constant(t.getWeight());
    }
    WeightScheduleConfig s = t.getWeightSchedule();
    long steps = s.getSteps() > 0 ? s.getSteps() : schedule.getTotalSteps();
    if (steps <= 0) {
      throw new ConfigException("field '" + field + ".weight_schedule.steps': expected > 0, found " + steps);
    }
    return TermWeight.linear(t.getWeight(), s.getEndWeight(), steps);
  }

  private static LossTermConfig auxLossTerm(LossConfig.AuxLoss kind, float weight) {
    LossTermConfig.Builder b = LossTermConfig.newBuilder().setWeight(weight);
    switch (kind) {
      case FOCAL -> b.setFocal(FocalLossConfig.getDefaultInstance());
      case LOVASZ -> b.setLovasz(LovaszLossConfig.getDefaultInstance());
      case BOUNDARY -> b.setBoundary(BoundaryLossConfig.getDefaultInstance());
      case DICE -> b.setDice(DiceLossConfig.getDefaultInstance());
      default -> throw new ConfigException("field 'loss.aux_loss': unexpected " + kind);
    }
    return b.build();
  }
}
