package org.delineo.training.wiring;

import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import com.google.inject.util.Modules;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.losses.HeadLosses;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.RuntimeConfig;
import org.delineo.proto.StrategyConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.optim.DynamicLossScale;
import org.delineo.training.optim.Optimizer;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.strategy.TrainingStrategy;

/**
 * An experiment's builders, wired by Guice from the config and the applied ablations: the model,
 * the training strategy (with its losses) and the optimizer. The one place the injector is made.
 */
public final class Experiment {
  private final ExperimentConfig config;
  private final Map<String, ModelFactory> models;
  private final Map<String, StrategyFactory> strategies;
  private final LossBuilder losses;
  private final List<String> ablations;

  @Inject
  Experiment(
      ExperimentConfig config,
      Map<String, ModelFactory> models,
      Map<String, StrategyFactory> strategies,
      LossBuilder losses,
      @Named("ablations") List<String> ablations) {
    this.config = config;
    this.models = models;
    this.strategies = strategies;
    this.losses = losses;
    this.ablations = ablations;
  }

  /** Wires {@code config} with the named ablations applied over the base modules. */
  public static Experiment create(ExperimentConfig config, List<String> ablationNames) {
    List<Ablation> applied = Ablations.named(ablationNames);
    List<String> names = applied.stream().map(Ablation::name).toList();
    Module base = Modules.combine(
        new ExperimentModule(config), new ModelsModule(), new LossesModule(), new StrategiesModule(),
        binder -> binder.bind(new TypeLiteral<List<String>>() {})
            .annotatedWith(Names.named("ablations")).toInstance(names));
    Module overrides = Modules.combine(applied.stream().map(Ablation::module).toList());
    return Guice.createInjector(Modules.override(base).with(overrides)).getInstance(Experiment.class);
  }

  /** The registered backbones (the {@code BackboneConfig} cases any scene head can sit on), sorted. */
  public static Set<String> registeredBackbones() {
    return Guice.createInjector(new ModelsModule()).getInstance(BackboneRegistry.class).names();
  }

  /** The registered model names with one line each, for {@code delineo models}. */
  public static Map<String, ModelFactory> registeredModels() {
    return Guice.createInjector(new ModelsModule())
        .getInstance(Key.get(new TypeLiteral<Map<String, ModelFactory>>() {}));
  }

  public ExperimentConfig config() {
    return config;
  }

  /** Names of the applied ablations, in order. */
  public List<String> ablations() {
    return ablations;
  }

  /**
   * The registered model chosen by {@code model}: {@code model.name} when set (a family name is
   * accepted for its reference model), else the reference model of the family block.
   */
  public String modelName() {
    ModelConfig m = config.getModel();
    String family = m.getFamilyCase() == ModelConfig.FamilyCase.FAMILY_NOT_SET
        ? null : caseName(m, m.getFamilyCase().getNumber());
    if (!m.getName().isEmpty()) {
      String name = models.containsKey(m.getName()) ? m.getName() : ModelNames.alias(m.getName()).orElse(null);
      if (name == null) {
        throw new ConfigException("field 'model.name': unknown model '" + m.getName() + "'; valid models: "
            + String.join(", ", models.keySet()));
      }
      if (family != null && !ModelNames.familyOf(name).equals(family)) {
        throw new ConfigException("field 'model.name': model '" + name + "' reads the block 'model."
            + ModelNames.familyOf(name) + "', but the config sets 'model." + family + "'");
      }
      return name;
    }
    if (family == null) {
      throw new ConfigException("field 'model': expected a model family or model.name, one of "
          + String.join(", ", models.keySet()) + "; found none");
    }
    return ModelNames.modelOf(family);
  }

  /** The model for the given classes and input channels. */
  public SegmentationModel model(int numClasses, int inChannels) {
    String name = modelName();
    ModelFactory factory = models.get(name);
    if (factory == null) {
      throw new ConfigException("field 'model." + name + "': unknown model '" + name
          + "'; valid models: " + String.join(", ", models.keySet()));
    }
    return factory.create(config.getModel(), numClasses, inChannels);
  }

  /** The head losses of {@code loss.terms}, with the ablations' overrides applied. */
  public HeadLosses losses() {
    return losses.build();
  }

  /** The training strategy with its losses. */
  public TrainingStrategy strategy() {
    StrategyConfig s = config.getStrategy();
    String name = s.getKindCase() == StrategyConfig.KindCase.KIND_NOT_SET
        ? "supervised" : caseName(s, s.getKindCase().getNumber());
    if (trainsMask2Former()) {
      return Mask2FormerTraining.strategy(config, name);
    }
    StrategyFactory factory = strategies.get(name);
    if (factory == null) {
      throw new ConfigException("field 'strategy." + name + "': strategy '" + name
          + "' is not available yet; valid strategies: " + String.join(", ", strategies.keySet()));
    }
    return factory.create(config);
  }

  /**
   * The optimizer with its learning-rate schedule; with {@code runtime.precision: FP16} wrapped in
   * {@link DynamicLossScale}, so every strategy that minimises through it scales its loss.
   */
  public Optimizer optimizer() {
    Optimizer optimizer = OptimizerFactory.create(config.getOptimizer(), config.getSchedule());
    return config.getRuntime().getPrecision() == RuntimeConfig.Precision.FP16
        ? new DynamicLossScale(optimizer) : optimizer;
  }

  /**
   * Whether the config selects Mask2Former (by block, name or family alias), decided without
   * resolving the model, so a config whose model is wrong still reports its strategy errors first.
   */
  private boolean trainsMask2Former() {
    ModelConfig m = config.getModel();
    return m.hasMask2Former() || m.getName().equals(Mask2FormerFactory.NAME)
        || m.getName().equals(ModelNames.familyOf(Mask2FormerFactory.NAME));
  }

  private static String caseName(Message m, int fieldNumber) {
    return m.getDescriptorForType().findFieldByNumber(fieldNumber).getName();
  }
}
