package org.delineo.training.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.MetaDropConfig;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.optim.GlobalStep;
import org.delineo.training.optim.Gradient;
import org.delineo.training.optim.Gradients;
import org.delineo.training.optim.LearningRateSchedule;
import org.delineo.training.optim.Optimizer;
import org.delineo.training.config.ConfigException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Meta-Drop bi-level training (reference-methods.md §4.10) around an inner strategy's objective.
 * For every trainable variable φ two snapshot variables {@code <φ>.meta_phi0} (φ₀) and
 * {@code <φ>.meta_tilde} (φ̃) hold the weights before and after the inner update. One iteration is
 * two {@code Session.run} calls:
 *
 * <ol>
 *   <li>{@code snapshot_phi0} (φ₀ ← φ) → {@code inner_step} (one optimizer update on the inner
 *       objective of the main batch, without advancing the global step) → {@code snapshot_tilde}
 *       (φ̃ ← φ), ordered by control dependencies;
 *   <li>{@code meta_step}: g = ∇φ L_meta at φ = φ̃ on the {@code meta_} inputs (first order),
 *       then φ ← (1−α)φ₀ + αφ̃ − η_meta·g ({@code SGD}; η_meta = {@code meta_lr} when set, 0
 *       included, else the scheduled rate), or φ ← (1−α)φ₀ + αφ̃ + Δ with Δ the step the configured optimizer takes on g
 *       from φ̃, sharing its state (momentum, Adam moments) with the inner step ({@code OPTIMIZER});
 *       the global step advances here, once per iteration.
 * </ol>
 *
 * <p>The SGD meta step is the plain formula: no weight decay, clipping or learning-rate multipliers
 * (those are the configured optimizer's, used by {@code OPTIMIZER}). With {@code OPTIMIZER} both
 * updates of an iteration see the same global step (t = step + 1 for Adam's bias corrections),
 * since the step advances once; PyTorch's reference counts two optimizer steps per iteration.
 *
 * <p>Batch-norm rule: moving statistics are updated by the inner step only (the update ops the
 * inner objective recorded run in run 1); the meta forward pass normalises with its own batch
 * statistics (TRAIN mode) but its statistic updates are never run, so the meta batch, whose
 * modality distribution differs on purpose, does not shift the running estimates. The inner
 * objective's own state update (PRISM's epoch-end β) runs in run 1, after the inner update.
 *
 * <p>Logging: the inner objective's scalars are stashed in run 1 into non-trainable scalar
 * variables {@code meta_drop.logged.<name>} and read in run 2, so the logged loss is the one of
 * the weights the inner step saw (fetching the inner loss in run 2 would recompute it at φ̃ and
 * race with the meta writes). {@code meta/loss} is L_meta(φ̃).
 *
 * <p>Checkpoints: the snapshot variables are ordinary {@code VariableV2}s and the checkpoint saver
 * writes every variable of the session, so they are saved (tripling the weight bytes of a
 * checkpoint). They are harmless on restore: run 1 overwrites both before any read. Excluding them
 * needs a variable filter in {@code CheckpointManager}, which it does not have. A consequence: a
 * checkpoint of plain training does not restore into a Meta-Drop graph (the snapshots are missing).
 *
 * <p>L_meta is the inner strategy's {@link TrainingStrategy#metaObjective} with
 * {@code meta_distillation}: for PRISM, fuse + uni-modal + PRM (false, the reference) or the full
 * objective (true), without PRISM's epoch-end β update in either case. Its scalars are logged as
 * {@code meta/<name>}.
 */
public final class MetaDropStrategy implements TrainingStrategy {
  /** Prefix of the meta batch's inputs. */
  public static final String META_PREFIX = "meta_";
  /** Name of the logged meta loss. */
  public static final String META_LOSS = "meta/loss";

  private final TrainingStrategy inner;
  private final MetaDropConfig config;
  private final LearningRateSchedule schedule;

  /**
   * @param inner the strategy whose objective both levels minimise
   * @param config alpha, meta_lr, meta_update and the meta batch settings
   * @param schedule the optimizer's learning-rate schedule, read by an SGD meta step when
   *     {@code meta_lr} is unset; may be null otherwise
   */
  public MetaDropStrategy(TrainingStrategy inner, MetaDropConfig config, LearningRateSchedule schedule) {
    if (inner == null) {
      throw new DelineoException("meta_drop: an inner strategy is required, found null");
    }
    if (!Float.isFinite(config.getAlpha())) {
      throw new ConfigException("field 'strategy.meta_drop.alpha': expected a finite number, found "
          + config.getAlpha());
    }
    if (!(config.getMetaLr() >= 0) || !Float.isFinite(config.getMetaLr())) {
      throw new ConfigException("field 'strategy.meta_drop.meta_lr': expected a finite rate >= 0, found "
          + config.getMetaLr());
    }
    if (config.getMetaBatchSize() < 1) {
      throw new ConfigException("field 'strategy.meta_drop.meta_batch_size': expected >= 1, found "
          + config.getMetaBatchSize());
    }
    if (config.getMetaUpdate() == MetaDropConfig.MetaUpdate.SGD && !config.hasMetaLr() && schedule == null) {
      throw new DelineoException("meta_drop: an SGD meta step without meta_lr uses the scheduled learning rate,"
          + " but no schedule was given");
    }
    this.inner = inner;
    this.config = config;
    this.schedule = schedule;
  }

  @Override
  public String name() {
    return "meta_drop";
  }

  /** The wrapped strategy. */
  public TrainingStrategy inner() {
    return inner;
  }

  /** The configuration. */
  public MetaDropConfig config() {
    return config;
  }

  /** The inner strategy's objective on the main batch (what plain training would minimise). */
  @Override
  public Objective objective(GraphContext ctx, SegmentationModel model, StepInputs inputs) {
    return inner.objective(ctx, model, inputs);
  }

  /** Refuses towers: the two runs of an iteration build their own updates, which are not replicated. */
  @Override
  public TrainStep build(GraphContext ctx, SegmentationModel model, StepInputs inputs, Optimizer optimizer,
      Towers towers) {
    if (towers.replicated()) {
      throw new ConfigException("field 'runtime.replicas': expected 1 tower with strategy.meta_drop (its bi-level"
          + " step of two session runs builds its own updates), found " + towers.count());
    }
    return build(ctx, model, inputs, optimizer);
  }

  @Override
  public TrainStep build(GraphContext ctx, SegmentationModel model, StepInputs inputs, Optimizer optimizer) {
    Ops tf = ctx.tf().withSubScope("meta_drop");
    Objective train = inner.objective(ctx, model, inputs);
    // Batch-norm rule: only the statistic updates of the inner (main-batch) pass are run.
    List<Op> statisticUpdates = ctx.updateOps();
    Objective meta = inner.metaObjective(ctx, model, inputs.prefixed(META_PREFIX), config.getMetaDistillation());
    List<ModelVariable<TFloat32>> params = ctx.variables().trainable();
    if (params.isEmpty()) {
      throw new DelineoException("meta_drop: the model has no trainable variables, expected at least one");
    }
    List<ModelVariable<TFloat32>> phi0 = new ArrayList<>();
    List<ModelVariable<TFloat32>> tilde = new ArrayList<>();
    for (ModelVariable<TFloat32> p : params) {
      phi0.add(snapshot(ctx, p, "meta_phi0"));
      tilde.add(snapshot(ctx, p, "meta_tilde"));
    }

    // Run 1. snapshot_phi0 copies φ before any write: the inner gradients are re-issued behind it,
    // and the optimizer's writes wait for every gradient.
    List<Op> phi0Copies = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      phi0Copies.add(tf.assign(phi0.get(i).ref(), params.get(i).value()));
    }
    Op snapshotPhi0 = tf.withControlDependencies(phi0Copies).withName("snapshot_phi0").noOp();
    Map<String, ModelVariable<TFloat32>> logged = new LinkedHashMap<>();
    List<Op> stashes = new ArrayList<>();
    Map<String, Operand<TFloat32>> toStash = new LinkedHashMap<>(train.scalars());
    toStash.putIfAbsent("loss", train.loss());
    for (Map.Entry<String, Operand<TFloat32>> s : toStash.entrySet()) {
      ModelVariable<TFloat32> v = ctx.variables().getOrCreate(loggedName(s.getKey()), Shape.scalar(),
          TFloat32.class, VariableKind.STATE, init -> init.constant(0f));
      logged.put(s.getKey(), v);
      stashes.add(tf.assign(v.ref(), s.getValue()));
    }
    List<Op> beforeWrites = new ArrayList<>(stashes);
    beforeWrites.add(snapshotPhi0);
    Ops afterSnapshot = tf.withControlDependencies(beforeWrites);
    List<Gradient> innerGrads = new ArrayList<>();
    for (Gradient g : Gradients.of(ctx, train.loss(), params)) {
      innerGrads.add(new Gradient(g.variable(), afterSnapshot.identity(g.value())));
    }
    Op innerUpdate = optimizer.applyGradients(ctx, innerGrads, false);
    Op innerStep = tf.withControlDependencies(List.of(innerUpdate)).withName("inner_step").noOp();
    // A fresh read of each ref after the update: the shared identity read ran before it.
    Ops afterInner = tf.withControlDependencies(List.of(innerStep));
    List<Op> tildeCopies = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      tildeCopies.add(afterInner.assign(tilde.get(i).ref(), afterInner.identity(params.get(i).ref())));
    }
    Op snapshotTilde = tf.withControlDependencies(tildeCopies).withName("snapshot_tilde").noOp();
    List<Op> runOne = train.withStateUpdateAfter(tf, innerStep, new ArrayList<>(statisticUpdates));
    runOne.add(snapshotTilde);
    Op first = tf.withControlDependencies(runOne).withName("run_inner").noOp();

    // Run 2: φ = φ̃ here, so the meta gradients are taken at φ̃ (first order).
    List<Gradient> metaGrads = Gradients.of(ctx, meta.loss(), params);
    Op second = config.getMetaUpdate() == MetaDropConfig.MetaUpdate.SGD
        ? sgdMetaStep(ctx, tf, metaGrads, phi0, tilde)
        : optimizerMetaStep(ctx, tf, optimizer, metaGrads, phi0, tilde);

    Map<String, Operand<TFloat32>> scalars = new LinkedHashMap<>();
    logged.forEach((name, v) -> scalars.put(name, v.value()));
    meta.scalars().forEach((name, v) -> scalars.put("meta/" + name, v));
    scalars.put(META_LOSS, meta.loss());
    return new TrainStep(List.of(first, second), logged.get("loss").value(), scalars);
  }

  /** φ ← (1−α)φ₀ + αφ̃ − η·g, written after every meta gradient exists; then the step advances. */
  private Op sgdMetaStep(GraphContext ctx, Ops tf, List<Gradient> grads, List<ModelVariable<TFloat32>> phi0,
      List<ModelVariable<TFloat32>> tilde) {
    // Presence, not value, picks the rate: meta_lr 0 is a valid η_meta (no meta gradient step).
    Operand<TFloat32> lr = config.hasMetaLr()
        ? tf.constant(config.getMetaLr())
        : schedule.build(tf, GlobalStep.of(ctx).value());
    List<Op> gradOps = new ArrayList<>();
    grads.forEach(g -> gradOps.add(g.value()));
    Ops writes = tf.withControlDependencies(List.of(tf.withControlDependencies(gradOps).noOp()));
    List<Op> written = new ArrayList<>();
    for (int i = 0; i < grads.size(); i++) {
      Gradient g = grads.get(i);
      Operand<TFloat32> target = tf.math.sub(mix(tf, phi0.get(i), tilde.get(i)), tf.math.mul(lr, g.value()));
      written.add(writes.assign(g.variable().ref(), target));
    }
    Op step = GlobalStep.of(ctx).increment(tf.withControlDependencies(written));
    return tf.withControlDependencies(List.of(step)).withName("meta_step").noOp();
  }

  /**
   * φ ← (1−α)φ₀ + αφ̃ + Δ: the optimizer first moves φ from φ̃ to φ̃ + Δ (and advances the step),
   * then φ is rewritten as the mix plus (φ − φ̃).
   */
  private Op optimizerMetaStep(GraphContext ctx, Ops tf, Optimizer optimizer, List<Gradient> grads,
      List<ModelVariable<TFloat32>> phi0, List<ModelVariable<TFloat32>> tilde) {
    Op update = optimizer.applyGradients(ctx, grads, true);
    Ops after = tf.withControlDependencies(List.of(update));
    List<Op> written = new ArrayList<>();
    for (int i = 0; i < grads.size(); i++) {
      ModelVariable<TFloat32> p = grads.get(i).variable();
      Operand<TFloat32> delta = tf.math.sub(after.identity(p.ref()), tilde.get(i).value());
      written.add(after.assign(p.ref(), tf.math.add(mix(tf, phi0.get(i), tilde.get(i)), delta)));
    }
    return tf.withControlDependencies(written).withName("meta_step").noOp();
  }

  /** (1−α)φ₀ + αφ̃: exactly φ₀ for α = 0 and exactly φ̃ for α = 1. */
  private Operand<TFloat32> mix(Ops tf, ModelVariable<TFloat32> phi0, ModelVariable<TFloat32> tilde) {
    float a = config.getAlpha();
    return tf.math.add(tf.math.mul(tf.constant(1f - a), phi0.value()), tf.math.mul(tf.constant(a), tilde.value()));
  }

  private static ModelVariable<TFloat32> snapshot(GraphContext ctx, ModelVariable<TFloat32> p, String suffix) {
    return ctx.variables().getOrCreate(p.name() + "." + suffix, p.shape(), TFloat32.class, VariableKind.STATE,
        init -> Initializers.zeros().create(init, p.shape(), 0L));
  }

  /** A valid flat variable name for a logged scalar (e.g. {@code decode/ce} → {@code decode_ce}). */
  static String loggedName(String scalar) {
    return "meta_drop.logged." + scalar.replaceAll("[^A-Za-z0-9_.\\-]", "_");
  }

  @Override
  public StepBatchSource batches(TrainingData data, LoaderPosition start) {
    return MetaDropBatches.create(inner.batches(data, start), data, config, start);
  }
}
