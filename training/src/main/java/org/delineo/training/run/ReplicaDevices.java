package org.delineo.training.run;

import java.util.ArrayList;
import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.RuntimeConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.TowerDevice;
import org.delineo.training.config.TowerRules;

/**
 * Places the data-parallel towers of {@code runtime.replicas} / {@code runtime.replica_devices} on
 * this machine's devices: GPUs when the runtime runs on them and TensorFlow sees enough, else
 * virtual CPU devices, which {@link SessionFactory} creates. Commands call {@link #resolve} before
 * they write anything, so that a device this machine lacks fails with nothing changed.
 */
public final class ReplicaDevices {
  /** The most GPUs counted for {@code replicas: 0}. */
  private static final int MAX_GPUS = 64;

  private ReplicaDevices() {}

  /**
   * The TensorFlow device of every tower, or an empty list for a step that is not replicated (one
   * device, the plain graph): {@code replica_devices} as written; else {@code replicas} towers on
   * {@code /device:GPU:0 .. N-1} with {@code device: GPU}, or {@code AUTO} when TensorFlow sees a GPU,
   * otherwise on {@code /device:CPU:0 .. N-1}; {@code replicas: 0} is one tower per visible GPU.
   *
   * @throws ConfigException naming the field when a GPU it asks for is not visible, or when the GPU
   *     count of {@code replicas: 0} breaks a rule of {@link TowerRules} (e.g. the batch does not
   *     divide)
   */
  public static List<String> resolve(ExperimentConfig config) {
    RuntimeConfig runtime = config.getRuntime();
    List<TowerDevice> listed = TowerRules.devices(runtime);
    if (!listed.isEmpty()) {
      requireListedGpus(listed);
      return listed.stream().map(TowerDevice::name).toList();
    }
    int replicas = runtime.getReplicas();
    if (replicas == 1) {
      return List.of();
    }
    int gpus = runtime.getDevice() == RuntimeConfig.Device.CPU ? 0 : GpuProbe.count(replicas == 0 ? MAX_GPUS : replicas);
    if (replicas == 0) {
      if (gpus == 0) {
        throw new ConfigException("field 'runtime.replicas': expected >= 1 where TensorFlow sees no GPU"
            + " (0 means one tower per GPU), found 0");
      }
      TowerRules.check(config, gpus);
      return gpus == 1 ? List.of() : names(true, gpus);
    }
    if (gpus == 0 && runtime.getDevice() != RuntimeConfig.Device.GPU) {
      return names(false, replicas);
    }
    if (gpus < replicas) {
      throw new ConfigException("field 'runtime.replicas': expected at most " + gpus + ", the GPUs TensorFlow sees"
          + " (runtime.device " + runtime.getDevice() + " puts the towers on GPUs; runtime.device CPU puts them on"
          + " virtual CPU devices), found " + replicas);
    }
    return names(true, replicas);
  }

  /**
   * How many CPU devices a session of {@code runtime} needs: the highest CPU index of
   * {@code replica_devices} plus one, or {@code replicas} when the towers may run on virtual CPU
   * devices (an unused virtual device costs nothing), else 1.
   */
  static int cpuDevices(RuntimeConfig runtime) {
    int cpus = 1;
    for (TowerDevice d : TowerRules.devices(runtime)) {
      if (!d.gpu()) {
        cpus = Math.max(cpus, d.index() + 1);
      }
    }
    if (runtime.getReplicaDevicesCount() == 0 && runtime.getDevice() != RuntimeConfig.Device.GPU) {
      cpus = Math.max(cpus, runtime.getReplicas());
    }
    return cpus;
  }

  private static void requireListedGpus(List<TowerDevice> listed) {
    int highest = -1;
    int at = -1;
    for (int i = 0; i < listed.size(); i++) {
      if (listed.get(i).gpu() && listed.get(i).index() > highest) {
        highest = listed.get(i).index();
        at = i;
      }
    }
    if (highest < 0) {
      return;
    }
    int gpus = GpuProbe.count(highest + 1);
    if (gpus <= highest) {
      throw new ConfigException("field 'runtime.replica_devices[" + at + "]': expected a GPU TensorFlow sees"
          + " (it sees " + gpus + "), found " + listed.get(at));
    }
  }

  private static List<String> names(boolean gpu, int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(TowerDevice.of(gpu, i).name());
    }
    return names;
  }
}
