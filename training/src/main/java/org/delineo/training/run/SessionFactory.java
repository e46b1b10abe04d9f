package org.delineo.training.run;

import java.util.Locale;
import java.util.function.UnaryOperator;
import org.delineo.proto.RuntimeConfig;
import org.delineo.training.config.ConfigException;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * Opens sessions with the runtime's thread counts and device choice.
 *
 * <p>{@code runtime.deterministic}: TensorFlow's native runtime chooses deterministic kernels (and
 * fails ops that have none) when the environment variable {@value #DETERMINISTIC_OPS} is true at
 * its first use; there is no session option for it and a running JVM cannot change its own
 * environment, so the field is honoured by requiring the variable ({@link #requireDeterministicOps})
 * and by running each session with one inter-op thread, so that independent ops run in one order.
 */
public final class SessionFactory {
  /** The environment variable TensorFlow's native runtime reads to use deterministic kernels. */
  public static final String DETERMINISTIC_OPS = "TF_DETERMINISTIC_OPS";

  private SessionFactory() {}

  /**
   * A session over {@code graph} configured by {@code runtime}.
   *
   * @throws ConfigException when {@code runtime.deterministic} is set without {@value #DETERMINISTIC_OPS}
   */
  public static Session open(Graph graph, RuntimeConfig runtime) {
    requireDeterministicOps(runtime);
    return new Session(graph, sessionConfig(runtime));
  }

  /**
   * Checks, before a command writes anything, that {@code runtime.deterministic} can be honoured in
   * this process: {@value #DETERMINISTIC_OPS} must be {@code 1} or {@code true} in its environment.
   *
   * @throws ConfigException naming the field and the variable otherwise
   */
  public static void requireDeterministicOps(RuntimeConfig runtime) {
    requireDeterministicOps(runtime, System::getenv);
  }

  /** As {@link #requireDeterministicOps(RuntimeConfig)} with the environment {@code env}. */
  static void requireDeterministicOps(RuntimeConfig runtime, UnaryOperator<String> env) {
    if (!runtime.getDeterministic()) {
      return;
    }
    String value = env.apply(DETERMINISTIC_OPS);
    // tsl::ReadBoolFromEnvVar's spellings of true.
    if (value != null && (value.equals("1") || value.toLowerCase(Locale.ROOT).equals("true"))) {
      return;
    }
    throw new ConfigException("field 'runtime.deterministic': expected the environment variable "
        + DETERMINISTIC_OPS + "=1 (TensorFlow reads it natively when it starts; set it before running delineo),"
        + " found " + (value == null ? "it unset" : DETERMINISTIC_OPS + "=" + value));
  }

  /** The session options of {@code runtime}. */
  static ConfigProto sessionConfig(RuntimeConfig runtime) {
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(runtime.getIntraOpThreads())
        .setInterOpParallelismThreads(runtime.getDeterministic() ? 1 : runtime.getInterOpThreads())
        // With GPU natives and no GPU (or CPU chosen), ops fall back to the CPU instead of failing.
        .setAllowSoftPlacement(runtime.getDevice() != RuntimeConfig.Device.GPU);
    if (runtime.getDevice() == RuntimeConfig.Device.CPU) {
      config.putDeviceCount("GPU", 0);
    }
    return config.build();
  }
}
