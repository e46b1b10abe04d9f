package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.junit.jupiter.api.Test;

/**
 * The tower rules as {@link ConfigValidator} applies them when a config loads: each mistake is one
 * line naming the field, what was expected and what was found.
 */
class TowerRulesTest {

  private static ExperimentConfig config(String... sets) {
    return ExperimentConfigLoader.applyOverrides(ExperimentConfig.getDefaultInstance(), List.of(sets));
  }

  private static String error(String... sets) {
    ExperimentConfig config = config(sets);
    return assertThrows(ConfigException.class, () -> ConfigValidator.validate(config)).getMessage();
  }

  @Test
  void towersThatTheConfigAllowsPass() {
    ConfigValidator.validate(config("runtime.replicas=2", "data.batch_size=4"));
    ConfigValidator.validate(config("runtime.replica_devices=/device:CPU:0,/cpu:3", "data.batch_size=2"));
    ConfigValidator.validate(config("runtime.replica_devices=/device:GPU:1,/device:GPU:0", "runtime.replicas=2",
        "data.batch_size=8"));
    // Without GPUs known yet, replicas 0 defers the count-dependent rules to device placement.
    ConfigValidator.validate(config("runtime.replicas=0", "data.batch_size=3"));
    // One tower is a plain run: nothing is refused.
    ConfigValidator.validate(config("runtime.replicas=1", "data.batch_size=3", "strategy.meta_drop.alpha=0.5"));
  }

  @Test
  void theGlobalBatchMustDivideByTheTowers() {
    assertEquals("field 'data.batch_size': expected a multiple of 4 (the towers of runtime.replicas, each training an"
        + " equal slice of the global batch), found 6", error("runtime.replicas=4", "data.batch_size=6"));
    assertEquals("field 'data.batch_size': expected a multiple of 2 (the towers of runtime.replica_devices, each"
        + " training an equal slice of the global batch), found 3",
        error("runtime.replica_devices=/device:CPU:0,/device:CPU:1", "data.batch_size=3"));
  }

  @Test
  void deviceNamesAreLocalCpuOrGpuDevicesOfOneTypeEachOnce() {
    assertEquals("field 'runtime.replica_devices[1]': expected a device of this process such as /device:GPU:0 or"
        + " /device:CPU:1, found \"gpu1\"", error("runtime.replica_devices=/device:GPU:0,gpu1"));
    assertEquals("field 'runtime.replica_devices[0]': expected a device of this process such as /device:GPU:0 or"
        + " /device:CPU:1, found \"/job:worker/task:1/device:GPU:0\"",
        error("runtime.replica_devices=/job:worker/task:1/device:GPU:0"));
    assertEquals("field 'runtime.replica_devices[1]': expected every device once, found /device:GPU:0 a second time",
        error("runtime.replica_devices=/device:GPU:0,/gpu:0"));
    assertEquals("field 'runtime.replica_devices[1]': expected devices of one type (runtime.replica_devices[0] is"
        + " /device:GPU:0), found /device:CPU:1", error("runtime.replica_devices=/device:GPU:0,/device:CPU:1"));
    assertEquals("field 'runtime.replica_devices[0]': expected a CPU device with runtime.device CPU, found"
        + " /device:GPU:0", error("runtime.device=CPU", "runtime.replica_devices=/device:GPU:0,/device:GPU:1"));
  }

  @Test
  void replicasAgreesWithTheListedDevices() {
    assertEquals("field 'runtime.replicas': expected 1 or 2 (the number of runtime.replica_devices) when"
        + " runtime.replica_devices is set, found 3",
        error("runtime.replicas=3", "runtime.replica_devices=/device:CPU:0,/device:CPU:1"));
    assertEquals("runtime.replicas must be >= 0, found -2", error("runtime.replicas=-2"));
    assertEquals("field 'runtime.replicas': expected >= 1 with runtime.device CPU (0 means one tower per GPU),"
        + " found 0", error("runtime.device=CPU", "runtime.replicas=0"));
  }

  @Test
  void settingsThatAReplicatedStepCannotHonourAreRefused() {
    assertEquals("field 'runtime.replicas': expected 1 tower with strategy.meta_drop (its bi-level step of two"
        + " session runs builds its own updates), found 2",
        error("runtime.replicas=2", "strategy.meta_drop.alpha=0.5"));
    assertEquals("field 'runtime.replica_devices': expected 1 tower with strategy.semsim (its graph fixes the"
        + " global labelled and unlabelled batch sizes), found 2",
        error("runtime.replica_devices=/device:CPU:0,/device:CPU:1", "strategy.semsim.tau=0.9"));
    assertEquals("field 'runtime.replicas': expected 1 tower with strategy.prism.adaptive_modality_weights on"
        + " case-wise modality masks (imb_beta is one state updated from the whole batch after each step; set it"
        + " false to replicate), found 2",
        error("runtime.replicas=2", "strategy.prism.kd_weight=0.5", "data.modality_mask_mode=UTD"));
    // PRISM without adaptive weights replicates.
    ConfigValidator.validate(config("runtime.replicas=2", "strategy.prism.adaptive_modality_weights=false",
        "data.modality_mask_mode=UTD"));
    assertEquals("field 'runtime.precision': expected FP32 or BF16 with 2 towers of runtime.replicas (the dynamic"
        + " loss scale wraps the step of one device), found FP16",
        error("runtime.replicas=2", "runtime.device=GPU", "runtime.precision=FP16"));
  }

  @Test
  void theCountDependentRulesApplyToAGpuCountFoundLater() {
    ExperimentConfig all = config("runtime.replicas=0", "data.batch_size=6");
    assertEquals("field 'data.batch_size': expected a multiple of 4 (the towers of runtime.replicas, each training"
        + " an equal slice of the global batch), found 6",
        assertThrows(ConfigException.class, () -> TowerRules.check(all, 4)).getMessage());
    TowerRules.check(all, 3);
  }
}
