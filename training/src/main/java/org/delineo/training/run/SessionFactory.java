package org.delineo.training.run;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.delineo.graph.gradients.OneDnnCpuIsa;
import org.delineo.proto.RuntimeConfig;
import org.delineo.training.config.ConfigException;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * Opens sessions with the runtime's thread counts, device choice, XLA and precision.
 *
 * <p>Three runtime fields depend on switches that TensorFlow's native runtime reads from the
 * environment once, when the library loads; a running JVM cannot change its own environment, so
 * they are honoured by requiring the variable ({@link #requireEnvironment}, before a command writes
 * anything):
 * <ul>
 *   <li>{@code runtime.deterministic}: {@value #DETERMINISTIC_OPS} true (deterministic kernels; ops
 *       without one fail), and each session runs with one inter-op thread, so that independent ops
 *       run in one order;
 *   <li>{@code runtime.xla}: {@value #XLA_CPU_GLOBAL_JIT} in {@value #XLA_FLAGS}. Without it the
 *       session's {@code global_jit_level} clusters nothing on the CPU. With it and {@code xla} false
 *       nothing is clustered either (the session's level stays OFF), which is why the launcher can
 *       export it unconditionally;
 *   <li>{@code runtime.precision: BF16}: {@value #ONEDNN_OPTS} true, because Grappler's bfloat16
 *       rewriter runs only when oneDNN is on (it is silently skipped otherwise);
 *   <li>{@code runtime.onednn_max_cpu_isa}: the same name in {@value OneDnnCpuIsa#VARIABLE}.
 * </ul>
 */
public final class SessionFactory {
  /** The environment variable TensorFlow's native runtime reads to use deterministic kernels. */
  public static final String DETERMINISTIC_OPS = "TF_DETERMINISTIC_OPS";
  /** The environment variable holding TensorFlow's XLA flags. */
  public static final String XLA_FLAGS = "TF_XLA_FLAGS";
  /** The XLA flag that lets {@code global_jit_level} cluster ops placed on the CPU. */
  public static final String XLA_CPU_GLOBAL_JIT = "--tf_xla_cpu_global_jit";
  /** The environment variable that turns oneDNN on in the CPU natives. */
  public static final String ONEDNN_OPTS = "TF_ENABLE_ONEDNN_OPTS";

  private SessionFactory() {}

  /**
   * A session over {@code graph} configured by {@code runtime}.
   *
   * @throws ConfigException when a runtime field needs an environment variable that is not set
   *     ({@link #requireEnvironment})
   */
  public static Session open(Graph graph, RuntimeConfig runtime) {
    requireEnvironment(runtime);
    return new Session(graph, sessionConfig(runtime));
  }

  /**
   * Checks, before a command writes anything, that this process's environment lets TensorFlow
   * honour {@code runtime}: {@value #DETERMINISTIC_OPS} for {@code deterministic},
   * {@value #XLA_CPU_GLOBAL_JIT} in {@value #XLA_FLAGS} for {@code xla}, {@value #ONEDNN_OPTS} for
   * {@code precision: BF16}.
   *
   * @throws ConfigException naming the field and the variable otherwise
   */
  public static void requireEnvironment(RuntimeConfig runtime) {
    requireEnvironment(runtime, System::getenv);
  }

  /** As {@link #requireEnvironment(RuntimeConfig)} with the environment {@code env}. */
  static void requireEnvironment(RuntimeConfig runtime, UnaryOperator<String> env) {
    if (runtime.getDeterministic()) {
      requireTrue("runtime.deterministic", DETERMINISTIC_OPS, env,
          "TensorFlow reads it natively when it starts; set it before running delineo");
    }
    if (runtime.getXla() && !hasXlaCpuJit(env.apply(XLA_FLAGS))) {
      String value = env.apply(XLA_FLAGS);
      throw new ConfigException("field 'runtime.xla': expected " + XLA_CPU_GLOBAL_JIT + " in the environment"
          + " variable " + XLA_FLAGS + " (TensorFlow reads it natively when it starts; the delineo launcher sets"
          + " it), found " + (value == null ? "it unset" : XLA_FLAGS + "=" + value));
    }
    if (runtime.getPrecision() == RuntimeConfig.Precision.BF16) {
      requireTrue("runtime.precision", ONEDNN_OPTS, env,
          "BF16 is Grappler's oneDNN bfloat16 rewriter, which runs only with oneDNN on; the delineo launcher sets it");
    }
    requireIsaCap(runtime.getOnednnMaxCpuIsa(), env);
  }

  /** runtime.onednn_max_cpu_isa: a oneDNN name, and the same value in its environment variable. */
  private static void requireIsaCap(String isa, UnaryOperator<String> env) {
    if (isa.isEmpty()) {
      return;
    }
    String field = "field 'runtime.onednn_max_cpu_isa': ";
    if (!OneDnnCpuIsa.isName(isa)) {
      throw new ConfigException(field + "expected one of " + OneDnnCpuIsa.NAMES + ", found \"" + isa + "\"");
    }
    String value = env.apply(OneDnnCpuIsa.VARIABLE);
    if (value == null || !value.trim().equalsIgnoreCase(isa.trim())) {
      throw new ConfigException(field + "expected the environment variable " + OneDnnCpuIsa.VARIABLE + "="
          + isa.trim() + " (oneDNN reads it once, at its first kernel; the delineo launcher sets it from --config and"
          + " --set), found " + (value == null ? "it unset" : OneDnnCpuIsa.VARIABLE + "=" + value));
    }
  }

  private static void requireTrue(String field, String variable, UnaryOperator<String> env, String why) {
    String value = env.apply(variable);
    // tsl::ReadBoolFromEnvVar's spellings of true.
    if (value != null && (value.equals("1") || value.toLowerCase(Locale.ROOT).equals("true"))) {
      return;
    }
    throw new ConfigException("field '" + field + "': expected the environment variable " + variable + "=1 ("
        + why + "), found " + (value == null ? "it unset" : variable + "=" + value));
  }

  /** Whether TF_XLA_FLAGS (space-separated, as TensorFlow splits it) turns CPU clustering on. */
  private static boolean hasXlaCpuJit(String flags) {
    return flags != null && Arrays.stream(flags.trim().split("\\s+")).anyMatch(flag -> flag.equals(XLA_CPU_GLOBAL_JIT)
        || flag.equals(XLA_CPU_GLOBAL_JIT + "=true") || flag.equals(XLA_CPU_GLOBAL_JIT + "=1"));
  }

  /**
   * The session options of {@code runtime}; FP32 without XLA sets no graph options at all. A
   * worker of a multi-process run opens its session on its server with these (after
   * {@link #requireEnvironment}).
   */
  public static ConfigProto sessionConfig(RuntimeConfig runtime) {
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(runtime.getIntraOpThreads())
        .setInterOpParallelismThreads(runtime.getDeterministic() ? 1 : runtime.getInterOpThreads())
        // With GPU natives and no GPU (or CPU chosen), ops fall back to the CPU instead of failing.
        .setAllowSoftPlacement(runtime.getDevice() != RuntimeConfig.Device.GPU);
    if (runtime.getDevice() == RuntimeConfig.Device.CPU) {
      config.putDeviceCount("GPU", 0);
    }
    int cpus = ReplicaDevices.cpuDevices(runtime);
    if (cpus > 1) {
      // Virtual CPU devices for data-parallel towers; they share the process's thread pools.
      config.putDeviceCount("CPU", cpus);
    }
    if (runtime.getXla()) {
      config.getGraphOptionsBuilder().setOptimizerOptions(
          OptimizerOptions.newBuilder().setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1));
    }
    if (runtime.getPrecision() != RuntimeConfig.Precision.FP32) {
      config.getGraphOptionsBuilder().setRewriteOptions(mixedPrecision(runtime.getPrecision()));
    }
    return config.build();
  }

  /**
   * The Grappler rewriter of {@code precision}; every other rewriter keeps its default. It keeps
   * variables float32 and inserts casts around the ops it converts. Not used:
   * {@code auto_mixed_precision_cpu} (float16 emulated on the CPU), which aborts the whole process
   * ({@code std::out_of_range}) on a training graph with MaxPool in TF 2.18.
   */
  private static RewriterConfig mixedPrecision(RuntimeConfig.Precision precision) {
    RewriterConfig.Builder rewriter = RewriterConfig.newBuilder();
    switch (precision) {
      // Converts ops placed on a GPU of compute capability >= 7.0; a no-op without one.
      case FP16 -> rewriter.setAutoMixedPrecision(RewriterConfig.Toggle.ON);
      // Converts ops placed on the CPU (oneDNN kernels).
      case BF16 -> rewriter.setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON);
      default -> throw new IllegalArgumentException("no rewriter for " + precision);
    }
    return rewriter.build();
  }
}
