package org.delineo.training.distribute;

import org.delineo.graph.AllReduce;
import org.delineo.graph.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Where the workers meet after worker 0 has evaluated and checkpointed, and learn whether it
 * stops (early stopping): worker 0 feeds 1 to stop, the others 0, and the mean over the workers is
 * positive exactly when worker 0 stops. Only worker 0 evaluates and writes, so the others wait
 * here (under the synchronisation timeout, which allows for a long evaluation) instead of in the
 * next step's gradient all-reduce, whose shorter timeout is meant for a worker that died.
 */
final class StopAgreement {
  /** The all-reduce key of the flag. */
  static final String KEY = "worker_stop";

  private final Placeholder<TFloat32> flag;
  private final Operand<TFloat32> mean;

  private StopAgreement(Placeholder<TFloat32> flag, Operand<TFloat32> mean) {
    this.flag = flag;
    this.mean = mean;
  }

  static StopAgreement build(GraphContext ctx, AllReduce workers) {
    Placeholder<TFloat32> flag = ctx.tf().placeholder(TFloat32.class);
    return new StopAgreement(flag, workers.mean(ctx, flag, KEY));
  }

  /** Whether worker 0 stops; {@code stop} is this worker's vote, which counts only for worker 0. */
  boolean run(Session session, boolean chief, boolean stop) {
    try (TFloat32 vote = TFloat32.vectorOf(chief && stop ? 1f : 0f);
        Result r = session.runner().feed(flag, vote).fetch(mean).run()) {
      return ((TFloat32) r.get(0)).getFloat(0) > 0f;
    }
  }
}
