package org.delineo.training.distribute;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.delineo.graph.AllReduce;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.training.optim.DynamicLossScale;
import org.delineo.training.optim.Gradient;
import org.delineo.training.optim.Optimizer;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * An optimizer whose every update applies the mean over the worker processes of their gradients:
 * each worker differentiates its own share of the batch, and since every per-sample loss is
 * averaged over equal shares, the mean of the workers' gradients is the gradient of the whole
 * batch. Every update of every strategy passes {@link #applyGradients} ({@link #minimize}
 * included), so all of them are reduced, and then applied by the wrapped optimizer (clipping,
 * weight decay, the update rule) to the same values in every worker, which keeps the workers'
 * variables equal.
 *
 * <p>The gradients of one update are flattened into one vector and reduced by a single collective
 * (fewer, larger transfers than one per variable), then cut back into their shapes.
 *
 * <p>Dynamic loss scaling is refused: it skips a step when a gradient is not finite, which each
 * worker would decide on its own gradients before the reduction, leaving the others waiting.
 */
public final class WorkerMeanOptimizer implements Optimizer {
  /** The all-reduce key of the packed gradients of each update. */
  static final String KEY = "worker_gradients";
  /** Why dynamic loss scaling is refused. */
  static final String FP16_REFUSED = "field 'runtime.precision': FP16 (dynamic loss scaling) is not supported with"
      + " several worker processes, each would skip non-finite steps on its own; expected FP32 or BF16";

  private final Optimizer inner;
  private final AllReduce workers;

  /**
   * @param inner the optimizer that applies the averaged gradients
   * @param workers the mean over the worker processes
   * @throws DelineoException when {@code inner} is dynamic loss scaling ({@code runtime.precision:
   *     FP16})
   */
  public WorkerMeanOptimizer(Optimizer inner, AllReduce workers) {
    if (inner instanceof DynamicLossScale) {
      throw new DelineoException(FP16_REFUSED);
    }
    this.inner = inner;
    this.workers = workers;
  }

  @Override
  public Op applyGradients(GraphContext ctx, List<Gradient> grads, boolean advanceStep) {
    return inner.applyGradients(ctx, meanOverWorkers(ctx, grads), advanceStep);
  }

  @Override
  public Map<String, Operand<TFloat32>> scalars(GraphContext ctx) {
    return inner.scalars(ctx);
  }

  private List<Gradient> meanOverWorkers(GraphContext ctx, List<Gradient> grads) {
    if (grads.isEmpty()) {
      return grads;
    }
    Ops tf = ctx.tf();
    List<Operand<TFloat32>> flat = new ArrayList<>();
    long[] sizes = new long[grads.size()];
    for (int i = 0; i < sizes.length; i++) {
      Gradient g = grads.get(i);
      sizes[i] = g.variable().size();
      flat.add(tf.reshape(g.value(), tf.constant(new long[] {sizes[i]})));
    }
    Operand<TFloat32> packed = flat.size() == 1 ? flat.get(0) : tf.concat(flat, tf.constant(0));
    Operand<TFloat32> mean = workers.mean(ctx, packed, KEY);
    List<Output<TFloat32>> parts = sizes.length == 1 ? List.of(mean.asOutput())
        : tf.splitV(mean, tf.constant(sizes), tf.constant(0), (long) sizes.length).output();
    List<Gradient> out = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      Gradient g = grads.get(i);
      Shape shape = g.variable().shape();
      out.add(new Gradient(g.variable(), tf.reshape(parts.get(i), tf.constant(shape.asArray()))));
    }
    return out;
  }
}
