package org.delineo.training.config;

import java.util.ArrayList;
import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ModalityMaskMode;
import org.delineo.proto.RuntimeConfig;

/**
 * The rules of data-parallel towers ({@code runtime.replicas}, {@code runtime.replica_devices}) that
 * the config alone decides: the device names, how the two fields agree, a global batch that divides
 * evenly, and the settings a replicated step cannot honour. Which devices this machine has is checked
 * when the towers are placed ({@code training.run.ReplicaDevices}), which applies
 * {@link #check(ExperimentConfig, int)} again once {@code replicas: 0} has become a GPU count.
 */
public final class TowerRules {
  private static final String REPLICAS = "runtime.replicas";
  private static final String DEVICES = "runtime.replica_devices";

  private TowerRules() {}

  /**
   * Checks the tower fields of {@code config}, and the rules that depend on the number of towers
   * when the config fixes it (everything but {@code replicas: 0}).
   *
   * @throws ConfigException naming the first field that breaks a rule
   */
  public static void check(ExperimentConfig config) {
    RuntimeConfig runtime = config.getRuntime();
    if (runtime.getReplicas() < 0) {
      throw new ConfigException(REPLICAS + " must be >= 0, found " + runtime.getReplicas());
    }
    List<TowerDevice> devices = devices(runtime);
    if (!devices.isEmpty() && runtime.getReplicas() != 1 && runtime.getReplicas() != devices.size()) {
      throw new ConfigException("field '" + REPLICAS + "': expected 1 or " + devices.size() + " (the number of "
          + DEVICES + ") when " + DEVICES + " is set, found " + runtime.getReplicas());
    }
    if (devices.isEmpty() && runtime.getReplicas() == 0 && runtime.getDevice() == RuntimeConfig.Device.CPU) {
      throw new ConfigException("field '" + REPLICAS + "': expected >= 1 with runtime.device CPU"
          + " (0 means one tower per GPU), found 0");
    }
    int towers = devices.isEmpty() ? runtime.getReplicas() : devices.size();
    if (towers > 0) {
      check(config, towers);
    }
  }

  /**
   * The rules that depend on the number of towers: with more than one, {@code data.batch_size} must
   * be a multiple of it, and the strategies and precision that a replicated step cannot honour are
   * refused.
   *
   * @throws ConfigException naming the field
   */
  public static void check(ExperimentConfig config, int towers) {
    if (towers <= 1) {
      return;
    }
    String field = config.getRuntime().getReplicaDevicesCount() > 0 ? DEVICES : REPLICAS;
    int batch = config.getData().getBatchSize();
    if (batch % towers != 0) {
      throw new ConfigException("field 'data.batch_size': expected a multiple of " + towers + " (the towers of "
          + field + ", each training an equal slice of the global batch), found " + batch);
    }
    var strategy = config.getStrategy();
    if (strategy.hasMetaDrop()) {
      refuse(field, towers, "strategy.meta_drop (its bi-level step of two session runs builds its own updates)");
    }
    if (strategy.hasSemsim()) {
      refuse(field, towers, "strategy.semsim (its graph fixes the global labelled and unlabelled batch sizes)");
    }
    ModalityMaskMode masks = config.getData().getModalityMaskMode();
    if (strategy.hasPrism() && strategy.getPrism().getAdaptiveModalityWeights()
        && (masks == ModalityMaskMode.UTD || masks == ModalityMaskMode.UTD_DROP)) {
      refuse(field, towers, "strategy.prism.adaptive_modality_weights on case-wise modality masks (imb_beta is"
          + " one state updated from the whole batch after each step; set it false to replicate)");
    }
    if (config.getRuntime().getPrecision() == RuntimeConfig.Precision.FP16) {
      throw new ConfigException("field 'runtime.precision': expected FP32 or BF16 with " + towers + " towers of "
          + field + " (the dynamic loss scale wraps the step of one device), found FP16");
    }
  }

  /** The devices of {@code runtime.replica_devices}, checked: valid names, one type, none twice. */
  public static List<TowerDevice> devices(RuntimeConfig runtime) {
    List<TowerDevice> devices = new ArrayList<>();
    for (int i = 0; i < runtime.getReplicaDevicesCount(); i++) {
      String field = DEVICES + "[" + i + "]";
      TowerDevice d = TowerDevice.parse(field, runtime.getReplicaDevices(i));
      if (devices.contains(d)) {
        throw new ConfigException("field '" + field + "': expected every device once, found " + d
            + " a second time");
      }
      if (!devices.isEmpty() && devices.get(0).gpu() != d.gpu()) {
        throw new ConfigException("field '" + field + "': expected devices of one type (" + DEVICES + "[0] is "
            + devices.get(0) + "), found " + d);
      }
      if (d.gpu() && runtime.getDevice() == RuntimeConfig.Device.CPU) {
        throw new ConfigException("field '" + field + "': expected a CPU device with runtime.device CPU, found " + d);
      }
      devices.add(d);
    }
    return devices;
  }

  private static void refuse(String field, int towers, String what) {
    throw new ConfigException("field '" + field + "': expected 1 tower with " + what + ", found " + towers);
  }
}
