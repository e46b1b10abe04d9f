package org.delineo.training.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.name.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.training.config.ConfigException;

/** The registry of ablations: every named override a run can apply with {@code --ablate}. */
public final class Ablations {
  private static final Map<String, Ablation> ALL = new LinkedHashMap<>();

  static {
    add(new Ablation("no-dice", "binds the Dice term to zero: trains with the remaining terms (CE only)",
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(LossesModule.key("dice")).to(ZeroTermFactory.class);
          }
        }));
    add(new Ablation("no-meta-drop", "meta_drop trains plainly with its inner strategy's loss (one update per"
        + " iteration, no meta batch)",
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(StrategiesModule.key("meta_drop")).to(NoMetaDropStrategyFactory.class);
          }
        }));
    add(new Ablation("no-sfm", "semsim_unet without the Spatial-aware Fusion Module: the similarity"
        + " losses use the first fused encoder stage projected to D channels", new AbstractModule() {
          @Override
          protected void configure() {
            bind(SemSimUNetFactory.FUSION).toInstance(false);
          }
        }));
    add(new Ablation("no-intra", "semsim without the intra-image affinity consistency L_intra",
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(SemSimStrategyFactory.INTRA).toInstance(false);
          }
        }));
    add(new Ablation("no-cross", "semsim without the cross-image prototype consistency L_cross",
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(SemSimStrategyFactory.CROSS).toInstance(false);
          }
        }));
    add(new Ablation("fixmatch-only", "semsim without L_intra, L_cross and L_fp: supervised +"
        + " FixMatch Dice on one CutMix strong view", new AbstractModule() {
          @Override
          protected void configure() {
            bind(SemSimStrategyFactory.INTRA).toInstance(false);
            bind(SemSimStrategyFactory.CROSS).toInstance(false);
            bind(SemSimStrategyFactory.FP).toInstance(false);
          }
        }));
    add(switchOff("no-kl", "PRISM without the KL distillation term", PrismStrategyFactory.KL, false));
    add(switchOff("no-proto", "PRISM without the prototype distillation term", PrismStrategyFactory.PROTO, false));
    add(switchOff("uniform-prm-weights", "PRISM with weight 1 on every PRM level (original RFNet) instead of halving",
        PrismStrategyFactory.UNIFORM_PRM, true));
    add(switchOff("unweighted-ce", "PRISM's cross-entropy with weight 1 on every class instead of 1 - the"
        + " class's fraction of the crop", PrismStrategyFactory.UNWEIGHTED_CE, true));
    add(switchOff("no-distill", "PRISM without students, KL and prototype terms: the RFNet baseline"
        + " (fuse + uni-modal + PRM)", PrismStrategyFactory.DISTILL, false));
  }

  private Ablations() {}

  /** An ablation that rebinds the boolean switch {@code key} to {@code value}. */
  private static Ablation switchOff(String name, String description, String key, boolean value) {
    return new Ablation(name, description, new AbstractModule() {
      @Override
      protected void configure() {
        bindConstant().annotatedWith(Names.named(key)).to(value);
      }
    });
  }

  private static void add(Ablation a) {
    ALL.put(a.name(), a);
  }

  /** Every registered ablation in registration order. */
  public static List<Ablation> all() {
    return List.copyOf(ALL.values());
  }

  /** The ablations named, in order; an unknown name fails listing the valid ones. */
  public static List<Ablation> named(List<String> names) {
    List<Ablation> out = new ArrayList<>();
    for (String n : names) {
      Ablation a = ALL.get(n.trim());
      if (a == null) {
        throw new ConfigException("unknown ablation '" + n + "'; valid ablations: " + String.join(", ", ALL.keySet()));
      }
      out.add(a);
    }
    return out;
  }
}
