package org.delineo.training.distribute;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.delineo.graph.AllReduce;
import org.delineo.graph.GraphContext;
import org.delineo.training.strategy.TrainStep;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The step's loss and logged scalars as means over the worker processes, fetched in the same run
 * as the update: every worker then logs, and checks for a non-finite loss, the loss of the whole
 * batch, the value a single process would report, and all of them stop at the same step. The
 * scalars travel in one collective, stacked in name order (the same in every worker).
 */
final class WorkerScalars {
  /** The all-reduce key of the stacked scalars. */
  static final String KEY = "worker_scalars";

  private WorkerScalars() {}

  /** {@code step} with its loss and scalars replaced by their means over {@code workers}. */
  static TrainStep meanOf(GraphContext ctx, TrainStep step, AllReduce workers) {
    Ops tf = ctx.tf();
    List<String> names = new ArrayList<>(new TreeSet<>(step.scalars().keySet()));
    List<Operand<TFloat32>> values = new ArrayList<>();
    values.add(step.loss());
    names.forEach(n -> values.add(step.scalars().get(n)));
    Operand<TFloat32> mean = workers.mean(ctx, tf.stack(values), KEY);
    List<Operand<TFloat32>> parts = new ArrayList<>(tf.unstack(mean, (long) values.size()).output());
    Map<String, Operand<TFloat32>> scalars = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      scalars.put(names.get(i), parts.get(i + 1));
    }
    return new TrainStep(step.runs(), parts.get(0), scalars, step.bridge());
  }
}
