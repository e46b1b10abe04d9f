package org.delineo.graph.distribute;

import java.util.HashMap;
import java.util.Map;

/**
 * The collective instance keys of one group, allocated by name: the first request of a name takes
 * the next integer, later requests of it get the same one. Every replica of a process asks the same
 * registry and every worker process builds the same graph in the same order, so a name maps to the
 * same key everywhere, which is what makes the members of one collective meet.
 *
 * <p>A name is the all-reduce key and its use count per member: the n-th all-reduce that member m
 * builds under key K is named {@code K#n}. A module applied twice in one tower (two collectives
 * under one key) thus gets two instances, while the first use in each tower shares one.
 */
final class InstanceKeys {
  private final int first;
  private final Map<String, Integer> keys = new HashMap<>();
  private final Map<String, Integer> uses = new HashMap<>();

  /** Keys counting up from {@code first}. */
  InstanceKeys(int first) {
    this.first = first;
  }

  /** The key of {@code name}, allocated on its first request. */
  synchronized int of(String name) {
    return keys.computeIfAbsent(name, n -> first + keys.size());
  }

  /** The name of the next use of {@code key} by {@code member}: {@code key#n}, n counting from 0. */
  synchronized String nextUse(int member, String key) {
    int n = uses.merge(member + "\u0000" + key, 1, Integer::sum) - 1;
    return key + "#" + n;
  }
}
