package org.delineo.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.RuntimeConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/**
 * Where towers are placed on this machine, which has no GPU (the tests run on the CPU natives): the
 * CPU cases place them, the GPU cases fail naming the field.
 */
class ReplicaDevicesTest {

  private static ExperimentConfig config(String... sets) {
    return ExperimentConfigLoader.applyOverrides(ExperimentConfig.getDefaultInstance(), List.of(sets));
  }

  @Test
  void oneTowerIsNotReplicated() {
    assertEquals(List.of(), ReplicaDevices.resolve(config()));
  }

  @Test
  void towersGoToVirtualCpuDevicesWithoutAGpu() {
    assertEquals(List.of("/device:CPU:0", "/device:CPU:1", "/device:CPU:2"),
        ReplicaDevices.resolve(config("runtime.replicas=3", "data.batch_size=3", "runtime.device=CPU")));
    // AUTO on a machine whose TensorFlow sees no GPU.
    assertEquals(List.of("/device:CPU:0", "/device:CPU:1"),
        ReplicaDevices.resolve(config("runtime.replicas=2", "data.batch_size=2")));
    assertEquals(List.of("/device:CPU:3", "/device:CPU:1"),
        ReplicaDevices.resolve(config("runtime.replica_devices=/cpu:3,/device:CPU:1", "data.batch_size=2")));
  }

  @Test
  void gpusThatTensorFlowDoesNotSeeAreConfigErrors() {
    assertEquals("field 'runtime.replicas': expected at most 0, the GPUs TensorFlow sees (runtime.device GPU puts the"
        + " towers on GPUs; runtime.device CPU puts them on virtual CPU devices), found 2",
        assertThrows(ConfigException.class, () -> ReplicaDevices.resolve(
            config("runtime.replicas=2", "data.batch_size=2", "runtime.device=GPU"))).getMessage());
    assertEquals("field 'runtime.replica_devices[1]': expected a GPU TensorFlow sees (it sees 0), found /device:GPU:1",
        assertThrows(ConfigException.class, () -> ReplicaDevices.resolve(
            config("runtime.replica_devices=/device:GPU:0,/device:GPU:1", "data.batch_size=2"))).getMessage());
    assertEquals("field 'runtime.replicas': expected >= 1 where TensorFlow sees no GPU (0 means one tower per GPU),"
        + " found 0", assertThrows(ConfigException.class, () -> ReplicaDevices.resolve(
            config("runtime.replicas=0"))).getMessage());
  }

  @Test
  void sessionsGetTheVirtualCpuDevicesTheTowersNeed() {
    assertFalse(SessionFactory.sessionConfig(RuntimeConfig.getDefaultInstance()).containsDeviceCount("CPU"));
    ConfigProto two = SessionFactory.sessionConfig(RuntimeConfig.newBuilder().setReplicas(2).build());
    assertEquals(2, two.getDeviceCountOrThrow("CPU"));
    ConfigProto listed = SessionFactory.sessionConfig(
        RuntimeConfig.newBuilder().addReplicaDevices("/device:CPU:0").addReplicaDevices("/device:CPU:3").build());
    assertEquals(4, listed.getDeviceCountOrThrow("CPU"));
    // GPU towers need no virtual CPU device.
    assertFalse(SessionFactory.sessionConfig(RuntimeConfig.newBuilder().setReplicas(2)
        .setDevice(RuntimeConfig.Device.GPU).build()).containsDeviceCount("CPU"));
  }
}
