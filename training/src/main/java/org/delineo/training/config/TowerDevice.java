package org.delineo.training.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One device of this process that a data-parallel tower runs on, as {@code runtime.replica_devices}
 * names it: {@code /device:GPU:N} or {@code /device:CPU:N} (also the short {@code /gpu:N},
 * {@code /cpu:N}, any case). Job, replica and task parts are refused: these towers share one process,
 * whose own devices need none.
 *
 * @param gpu whether it is a GPU (else a CPU device)
 * @param index the device index
 */
public record TowerDevice(boolean gpu, int index) {
  private static final Pattern NAME =
      Pattern.compile("/(?:device:)?(?<type>cpu|gpu):(?<index>\\d{1,4})", Pattern.CASE_INSENSITIVE);

  /** The CPU or GPU device {@code index}. */
  public static TowerDevice of(boolean gpu, int index) {
    return new TowerDevice(gpu, index);
  }

  /**
   * Reads {@code text}.
   *
   * @param field the config field that holds it, named in the error
   * @throws ConfigException when it is not a CPU or GPU device name of this process
   */
  public static TowerDevice parse(String field, String text) {
    Matcher m = NAME.matcher(text);
    if (!m.matches()) {
      throw new ConfigException("field '" + field + "': expected a device of this process such as /device:GPU:0"
          + " or /device:CPU:1, found \"" + text + "\"");
    }
    return new TowerDevice(m.group("type").toLowerCase(Locale.ROOT).equals("gpu"),
        Integer.parseInt(m.group("index")));
  }

  /** TensorFlow's full device name, e.g. {@code /device:GPU:1}. */
  public String name() {
    return "/device:" + (gpu ? "GPU" : "CPU") + ":" + index;
  }

  @Override
  public String toString() {
    return name();
  }
}
