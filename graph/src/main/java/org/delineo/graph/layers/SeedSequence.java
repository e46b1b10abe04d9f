package org.delineo.graph.layers;

import java.util.Map;
import java.util.WeakHashMap;
import org.delineo.graph.GraphContext;
import org.tensorflow.Graph;

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
}
