package org.delineo.graph.layers;

import java.util.Map;
import java.util.WeakHashMap;
import org.delineo.graph.GraphContext;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The op seeds of a stochastic module. The first application in a graph uses
 * {@code ctx.opSeed(name)}; later applications of the same module object in the same graph (timm
 * blocks apply one drop-path twice) get seeds derived from {@code name#k}, so their masks are
 * independent, while an identically built graph still draws identical masks.
 */
final class SeedSequence {
  private final String name;
  private final Map<Graph, Integer> applications = new WeakHashMap<>();

  SeedSequence(String name) {
    this.name = name;
  }

  /** {seed, seed2} for the next random op of this module in {@code ctx}'s graph. */
  synchronized long[] next(GraphContext ctx) {
    int k = applications.merge(ctx.graph(), 1, Integer::sum) - 1;
    long seed = ctx.opSeed(k == 0 ? name : name + "#" + k);
    // seed2 must be non-zero: TF picks a random stream when both seeds are 0.
    long seed2 = (seed * 0xC2B2AE3D27D4EB4FL >>> 33) | 1L;
    return new long[] {seed, seed2};
  }

  /**
   * Uniform values in [0, 1) of the given shape for the next application: stateless and keyed by
   * (seed, step) when the context has a random step (reproducible across resumes), else a seeded
   * stateful op (reproducible across identically built graphs).
   */
  Operand<TFloat32> uniform(GraphContext ctx, Operand<TInt32> shape) {
    long[] seed = next(ctx);
    Ops tf = ctx.tf();
    if (ctx.randomStep().isPresent()) {
      Operand<TInt64> key =
          tf.stack(List.of(tf.constant(seed[0] ^ seed[1]), ctx.randomStep().get()));
      return tf.random.statelessRandomUniform(shape, key, TFloat32.class);
    }
    return tf.random.randomUniform(shape, TFloat32.class, RandomUniform.seed(seed[0]).seed2(seed[1]));
  }
}
