package org.delineo.training.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.optim.Gradient;
import org.delineo.training.optim.Gradients;
import org.delineo.training.optim.Optimizer;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The default training step replicated over {@link Towers} (in-graph data parallelism, as TF1's
 * multi-tower training): tower i applies the strategy's objective to slice i of the global batch
 * ({@link StepInputs#tower}) under a context placed on its device
 * ({@link GraphContext#withReplica}), every tower reading the same variables; each tower's loss is
 * differentiated on its own, the gradients are averaged over the towers (AddN / N, or the towers'
 * all-reduce on their own devices, NCCL between GPUs, when {@link Towers#allReduceGradients}) and one
 * optimizer update applies the average.
 *
 * <p>What the step computes: the gradient of (1/N)·Σ_i L_i, the mean of the towers' losses. When
 * every L_i is a mean over its slice with as many terms in each slice, that is the loss of the global
 * batch, so with synchronised batch norm (whose statistics then are the global batch's) the step is
 * the single-device step up to float rounding. Otherwise it is what PyTorch's DDP computes: with
 * ignored pixels, per-tower means are averaged (not pooled), and sums over a slice (PRISM's SUM
 * reduction) become means over the towers of per-slice sums.
 *
 * <p>Batch-norm statistics: plain batch norm normalises each tower by its own slice, and only tower
 * 0's moving-average updates run (as TF1's multi-tower examples and DDP's rank 0, whose buffers are
 * the ones saved); with synchronised batch norm every tower's statistics are those of the whole
 * batch, so tower 0's updates are the global ones. The logged scalars (loss terms, the loss) are the
 * means over the towers.
 *
 * <p>Refused: objectives with a state update after the optimizer step (PRISM's adaptive β, one state
 * fed by the whole batch), and towers that create variables the first tower did not (every tower must
 * apply the same model).
 */
final class ReplicatedStep {
  private ReplicatedStep() {}

  /** The step of {@code strategy} over {@code towers} (replicated). */
  static TrainStep build(TrainingStrategy strategy, GraphContext ctx, SegmentationModel model, StepInputs inputs,
      Optimizer optimizer, Towers towers) {
    int n = towers.count();
    List<Objective> objectives = new ArrayList<>();
    List<List<Gradient>> gradients = new ArrayList<>();
    List<Op> statisticUpdates = new ArrayList<>();
    List<ModelVariable<TFloat32>> params = null;
    for (int i = 0; i < n; i++) {
      GraphContext tower = ctx.withReplica(towers.replica(i));
      int recorded = tower.updateOps().size();
      Objective objective = strategy.objective(tower, model, inputs.tower(tower.tf(), i, n));
      if (objective.afterUpdate() != null) {
        throw new DelineoException("strategy " + strategy.name() + ": its objective updates state after the"
            + " optimizer step, which " + n + " towers cannot share; expected 1 tower");
      }
      List<Op> updates = tower.updateOps();
      if (i == 0) {
        statisticUpdates.addAll(updates.subList(recorded, updates.size()));
        params = ctx.variables().trainable();
      } else if (ctx.variables().trainable().size() != params.size()) {
        throw new DelineoException("tower " + i + " of strategy " + strategy.name() + " created variables tower 0"
            + " did not: " + ctx.variables().trainable().subList(params.size(), ctx.variables().trainable().size())
            .stream().map(ModelVariable::name).toList() + "; expected every tower to apply the same model");
      }
      objectives.add(objective);
      gradients.add(Gradients.of(tower, objective.loss(), params));
    }
    Ops tf = ctx.tf().withSubScope("towers");
    List<Op> step = new ArrayList<>(statisticUpdates);
    List<Gradient> mean = towers.allReduceGradients()
        ? allReduced(ctx, towers, gradients, step)
        : averaged(tf, gradients);
    Op update = optimizer.applyGradients(ctx, mean);
    step.add(update);
    Op all = ctx.tf().withControlDependencies(step).noOp();
    Map<String, Operand<TFloat32>> scalars = new LinkedHashMap<>();
    for (String name : objectives.get(0).scalars().keySet()) {
      scalars.put(name, mean(tf, objectives.stream().map(o -> o.scalars().get(name)).toList()));
    }
    Operand<TFloat32> loss = mean(tf, objectives.stream().map(Objective::loss).toList());
    scalars.putAll(optimizer.scalars(ctx));
    return new TrainStep(List.of(all), loss, scalars);
  }

  /**
   * Per variable, the mean of the towers' gradients by the towers' all-reduce, built on each tower's
   * device (NCCL between GPUs): tower 0's result is applied, and the other towers' results, the same
   * values, are added to {@code peers} so that every member of each all-reduce runs in the step.
   */
  private static List<Gradient> allReduced(GraphContext ctx, Towers towers, List<List<Gradient>> perTower,
      List<Op> peers) {
    List<Gradient> mean = new ArrayList<>();
    for (int v = 0; v < perTower.get(0).size(); v++) {
      Gradient first = perTower.get(0).get(v);
      String key = "gradient:" + first.variable().name();
      for (int i = 0; i < perTower.size(); i++) {
        GraphContext tower = ctx.withReplica(towers.replica(i));
        Operand<TFloat32> reduced = towers.allReduce().mean(tower, perTower.get(i).get(v).value(), key);
        if (i == 0) {
          mean.add(new Gradient(first.variable(), reduced));
        } else {
          // A step target on the tower's device that reads the result, so its all-reduce runs.
          peers.add(tower.tf().identity(reduced));
        }
      }
    }
    return mean;
  }

  /** Per variable, the mean of the towers' gradients (each tower's list is in the variables' order). */
  private static List<Gradient> averaged(Ops tf, List<List<Gradient>> perTower) {
    List<Gradient> mean = new ArrayList<>();
    for (int v = 0; v < perTower.get(0).size(); v++) {
      List<Operand<TFloat32>> values = new ArrayList<>();
      for (List<Gradient> tower : perTower) {
        values.add(tower.get(v).value());
      }
      mean.add(new Gradient(perTower.get(0).get(v).variable(), mean(tf, values)));
    }
    return mean;
  }

  private static Operand<TFloat32> mean(Ops tf, List<Operand<TFloat32>> values) {
    return tf.math.div(tf.math.addN(values), tf.constant((float) values.size()));
  }
}
