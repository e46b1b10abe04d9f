package org.delineo.graph;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.DeviceSpec;

/**
 * Reads TensorFlow device strings into the {@link DeviceSpec} that {@code Ops.withDevice} takes (TF
 * Java has no parser of its own): {@code /job:NAME}, {@code /replica:N}, {@code /task:N} and
 * {@code /device:TYPE:N} (or the short {@code /TYPE:N}), each optional, TYPE one of CPU, GPU, TPU.
 */
final class DeviceStrings {
  private static final Pattern PART = Pattern.compile(
      "/(?:job:(?<job>[A-Za-z][\\w-]*)|replica:(?<replica>\\d+)|task:(?<task>\\d+)"
          + "|(?:device:)?(?<type>[A-Za-z]+):(?<index>\\d+))");

  private DeviceStrings() {}

  /**
   * The spec of {@code device}, or {@code null} for {@code ""} (no placement).
   *
   * @throws DelineoException naming the string when it is not a device string
   */
  static DeviceSpec parse(String device) {
    if (device.isEmpty()) {
      return null;
    }
    DeviceSpec.Builder spec = DeviceSpec.newBuilder();
    Matcher m = PART.matcher(device);
    int end = 0;
    while (m.find() && m.start() == end) {
      end = m.end();
      if (m.group("job") != null) {
        spec.job(m.group("job"));
      } else if (m.group("replica") != null) {
        spec.replica(Integer.valueOf(m.group("replica")));
      } else if (m.group("task") != null) {
        spec.task(Integer.valueOf(m.group("task")));
      } else {
        spec.deviceType(type(device, m.group("type")));
        spec.deviceIndex(Integer.valueOf(m.group("index")));
      }
    }
    if (end != device.length()) {
      throw invalid(device);
    }
    return spec.build();
  }

  private static DeviceSpec.DeviceType type(String device, String name) {
    return switch (name.toUpperCase(Locale.ROOT)) {
      case "CPU" -> DeviceSpec.DeviceType.CPU;
      case "GPU" -> DeviceSpec.DeviceType.GPU;
      case "TPU" -> DeviceSpec.DeviceType.TPU;
      default -> throw invalid(device);
    };
  }

  private static DelineoException invalid(String device) {
    return new DelineoException("device must look like /device:CPU:0 or "
        + "/job:worker/replica:0/task:1/device:GPU:0 (or be empty), found '" + device + "'");
  }
}
