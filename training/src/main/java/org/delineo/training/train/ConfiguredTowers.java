package org.delineo.training.train;

import java.util.List;
import org.delineo.graph.AllReduce;
import org.delineo.graph.distribute.CollectiveAllReduce;
import org.delineo.graph.distribute.NcclMeanAllReduce;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.NormType;
import org.delineo.training.run.ReplicaDevices;
import org.delineo.training.strategy.Towers;

/**
 * The data-parallel towers a config asks for: the devices of {@link ReplicaDevices#resolve},
 * synchronised batch norm for {@code model.norm: SYNC_BATCH}, and the all-reduce of the devices'
 * kind: NCCL between GPUs (for the gradients too), TensorFlow's collective ops between CPU devices
 * (whose gradients are averaged with AddN: virtual CPU devices share one memory, so a collective
 * would only add copies).
 */
final class ConfiguredTowers {
  /** The collective group of a process's own towers (a process has one). */
  private static final int GROUP_KEY = 1;

  private ConfiguredTowers() {}

  /** The towers of {@code config}; {@link Towers#NONE} for one device. */
  static Towers of(ExperimentConfig config) {
    List<String> devices = ReplicaDevices.resolve(config);
    if (devices.isEmpty()) {
      return Towers.NONE;
    }
    boolean gpus = devices.get(0).contains("GPU");
    // No timeout: the towers run in one session step, so none can be missing while another waits.
    AllReduce allReduce = gpus
        ? new NcclMeanAllReduce(devices.size())
        : new CollectiveAllReduce(devices.size(), GROUP_KEY, 0f);
    return new Towers(devices, allReduce, config.getModel().getNorm() == NormType.SYNC_BATCH, gpus);
  }
}
