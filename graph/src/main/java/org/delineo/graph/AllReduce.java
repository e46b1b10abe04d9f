package org.delineo.graph;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The mean of a tensor over every member of a data-parallel group (the towers of one process, or
 * the devices of several worker processes), built into the graph of each member.
 *
 * <p>It lives beside {@link GraphContext} rather than in {@code graph.distribute} (where its
 * implementations are) because the context, the {@link Replica} it carries and this interface refer
 * to one another: kept in one package, the package dependencies stay acyclic.
 */
public interface AllReduce {
  /**
   * The element-wise mean of {@code value} over the group; every member must call it with a value of
   * the same shape and the same {@code key}. The result is differentiable: its gradient is the mean
   * all-reduce of the upstream gradient.
   *
   * @param ctx the member's context; ops are built with its {@link GraphContext#tf()} (its device)
   * @param value this member's contribution
   * @param key a stable name (e.g. a batch-norm module's name) that maps to the same collective
   *     instance in every member and every worker process, because all build the same graph in the
   *     same order
   */
  Operand<TFloat32> mean(GraphContext ctx, Operand<TFloat32> value, String key);
}
