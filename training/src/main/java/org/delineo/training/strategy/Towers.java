package org.delineo.training.strategy;

import java.util.List;
import org.delineo.graph.AllReduce;
import org.delineo.graph.DelineoException;
import org.delineo.graph.Replica;
import org.delineo.graph.distribute.IdentityAllReduce;

/**
 * The towers of a data-parallel step in one process: one copy of the model per device, each on an
 * equal slice of the global batch, sharing one set of variables.
 *
 * @param devices the TensorFlow device of each tower (e.g. {@code /device:GPU:1}); empty for a step
 *     that is not replicated, which builds exactly the single-device graph
 * @param allReduce how the towers average tensors (synchronised batch-norm statistics, and the
 *     gradients when {@code allReduceGradients})
 * @param syncBatchNorm whether batch norm normalises with the statistics of the whole global batch
 *     ({@code model.norm: SYNC_BATCH}) instead of each tower's slice
 * @param allReduceGradients whether the gradients are averaged by {@code allReduce} on every tower's
 *     device (NCCL between GPUs) instead of the device-agnostic AddN / N
 */
public record Towers(List<String> devices, AllReduce allReduce, boolean syncBatchNorm,
    boolean allReduceGradients) {
  /** No replication: the step of one device, as built before towers existed. */
  public static final Towers NONE = new Towers(List.of(), IdentityAllReduce.INSTANCE, false);

  public Towers {
    devices = List.copyOf(devices);
    if (allReduce == null) {
      throw new DelineoException("towers need an all-reduce, found null");
    }
  }

  /** Towers whose gradients are averaged with AddN / N. */
  public Towers(List<String> devices, AllReduce allReduce, boolean syncBatchNorm) {
    this(devices, allReduce, syncBatchNorm, false);
  }

  /** Whether the step is replicated (at least one tower was asked for explicitly). */
  public boolean replicated() {
    return !devices.isEmpty();
  }

  /** The number of towers. */
  public int count() {
    return devices.size();
  }

  /** The replica of tower {@code index}, as the tower's context carries it. */
  public Replica replica(int index) {
    return new Replica(index, count(), devices.get(index), allReduce, syncBatchNorm);
  }
}
