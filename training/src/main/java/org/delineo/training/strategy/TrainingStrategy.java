package org.delineo.training.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.optim.Optimizer;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * One training method: the objective it minimises on the step inputs it asks for, how one
 * iteration updates the weights, and which batches feed those inputs. Supervised training, PRISM
 * distillation, Meta-Drop and SemSim are strategies.
 */
public interface TrainingStrategy {

  /** The registry name used in configs and logs. */
  String name();

  /**
   * The loss on one batch (TRAIN mode), without updates: creates the inputs it needs in
   * {@code inputs}. Wrappers such as Meta-Drop apply it to several batches.
   */
  Objective objective(GraphContext ctx, SegmentationModel model, StepInputs inputs);

  /**
   * The loss a bi-level wrapper (Meta-Drop) minimises at the meta level, on the batch of
   * {@code inputs} (e.g. {@code meta_} inputs): like {@link #objective} but it must create no
   * inputs that only the main batches feed (such as epoch-end flags) and record no state updates
   * of its own beyond batch-norm statistics (the wrapper does not run them). By default the
   * objective itself, for strategies with neither.
   *
   * @param distillation whether distillation terms enter the meta loss
   *     ({@code strategy.meta_drop.meta_distillation}); strategies without them ignore it
   */
  default Objective metaObjective(GraphContext ctx, SegmentationModel model, StepInputs inputs,
      boolean distillation) {
    return objective(ctx, model, inputs);
  }

  /**
   * The training ops: by default one optimizer update of every trainable variable on the
   * objective, together with the batch-norm statistic updates and, after the update, the
   * objective's state update, in one {@code Session.run}; it logs the objective's scalars and the
   * optimizer's ({@link Optimizer#scalars}).
   */
  default TrainStep build(GraphContext ctx, SegmentationModel model, StepInputs inputs, Optimizer optimizer) {
    Objective objective = objective(ctx, model, inputs);
    Op update = optimizer.minimize(ctx, objective.loss(), ctx.variables().trainable());
    List<Op> step = new ArrayList<>(ctx.updateOps());
    step.add(update);
    Op all = ctx.tf().withControlDependencies(objective.withStateUpdateAfter(ctx.tf(), update, step)).noOp();
    Map<String, Operand<TFloat32>> scalars = new LinkedHashMap<>(objective.scalars());
    scalars.putAll(optimizer.scalars(ctx));
    return new TrainStep(List.of(all), objective.loss(), scalars);
  }

  /**
   * The training ops over data-parallel {@code towers}: {@link #build(GraphContext,
   * SegmentationModel, StepInputs, Optimizer)} itself when the step is not replicated, else the
   * objective applied by each tower to its slice of the batch, the towers' gradients averaged and
   * applied once ({@link ReplicatedStep} says what that computes). A strategy that overrides the
   * single-device build must override this one too, refusing towers it cannot replicate.
   */
  default TrainStep build(GraphContext ctx, SegmentationModel model, StepInputs inputs, Optimizer optimizer,
      Towers towers) {
    return towers.replicated()
        ? ReplicatedStep.build(this, ctx, model, inputs, optimizer, towers)
        : build(ctx, model, inputs, optimizer);
  }

  /** The batches of the inputs {@link #objective} created, starting at {@code start}. */
  default StepBatchSource batches(TrainingData data, LoaderPosition start) {
    return SupervisedBatches.training(data, start);
  }
}
