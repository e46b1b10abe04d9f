package org.delineo.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.delineo.proto.RuntimeConfig;
import org.delineo.training.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * {@code runtime.deterministic}: it needs TensorFlow's native switch {@code TF_DETERMINISTIC_OPS}
 * in the environment (spelt as TensorFlow accepts true) and runs sessions with one inter-op thread;
 * without it, the configured threads are used as given. {@code runtime.xla} needs the CPU JIT flag
 * in {@code TF_XLA_FLAGS}, {@code runtime.precision: BF16} oneDNN; the defaults set no graph options.
 */
class SessionFactoryTest {
  private static final RuntimeConfig DETERMINISTIC =
      RuntimeConfig.newBuilder().setDeterministic(true).setIntraOpThreads(2).build();

  @Test
  void deterministicNeedsTheEnvironmentSwitch() {
    ConfigException unset = assertThrows(ConfigException.class,
        () -> SessionFactory.requireEnvironment(DETERMINISTIC, name -> null));
    assertEquals("field 'runtime.deterministic': expected the environment variable TF_DETERMINISTIC_OPS=1"
        + " (TensorFlow reads it natively when it starts; set it before running delineo), found it unset",
        unset.getMessage());
    ConfigException off = assertThrows(ConfigException.class,
        () -> SessionFactory.requireEnvironment(DETERMINISTIC, Map.of("TF_DETERMINISTIC_OPS", "0")::get));
    assertEquals("field 'runtime.deterministic': expected the environment variable TF_DETERMINISTIC_OPS=1"
        + " (TensorFlow reads it natively when it starts; set it before running delineo), found"
        + " TF_DETERMINISTIC_OPS=0", off.getMessage());
    for (String on : new String[] {"1", "true", "TRUE"}) {
      SessionFactory.requireEnvironment(DETERMINISTIC, Map.of("TF_DETERMINISTIC_OPS", on)::get);
    }
    // Not asked for: the environment does not matter.
    SessionFactory.requireEnvironment(RuntimeConfig.getDefaultInstance(), name -> null);
  }

  @Test
  void xlaNeedsTheCpuJitFlagInTheEnvironment() {
    RuntimeConfig xla = RuntimeConfig.newBuilder().setXla(true).build();
    ConfigException unset = assertThrows(ConfigException.class, () -> SessionFactory.requireEnvironment(xla, name -> null));
    assertEquals("field 'runtime.xla': expected --tf_xla_cpu_global_jit in the environment variable TF_XLA_FLAGS"
        + " (TensorFlow reads it natively when it starts; the delineo launcher sets it), found it unset",
        unset.getMessage());
    ConfigException other = assertThrows(ConfigException.class,
        () -> SessionFactory.requireEnvironment(xla, Map.of("TF_XLA_FLAGS", "--tf_xla_auto_jit=2")::get));
    assertEquals("field 'runtime.xla': expected --tf_xla_cpu_global_jit in the environment variable TF_XLA_FLAGS"
        + " (TensorFlow reads it natively when it starts; the delineo launcher sets it), found"
        + " TF_XLA_FLAGS=--tf_xla_auto_jit=2", other.getMessage());
    for (String on : new String[] {"--tf_xla_cpu_global_jit", " --tf_xla_auto_jit=1  --tf_xla_cpu_global_jit=true"}) {
      SessionFactory.requireEnvironment(xla, Map.of("TF_XLA_FLAGS", on)::get);
    }
    SessionFactory.requireEnvironment(RuntimeConfig.getDefaultInstance(), name -> null);
  }

  @Test
  void isaCapNeedsTheSameNameInTheEnvironment() {
    RuntimeConfig avx2 = RuntimeConfig.newBuilder().setOnednnMaxCpuIsa("AVX2").build();
    ConfigException unset = assertThrows(ConfigException.class, () -> SessionFactory.requireEnvironment(avx2, name -> null));
    assertEquals("field 'runtime.onednn_max_cpu_isa': expected the environment variable ONEDNN_MAX_CPU_ISA=AVX2"
        + " (oneDNN reads it once, at its first kernel; the delineo launcher sets it from --config and --set),"
        + " found it unset", unset.getMessage());
    ConfigException other = assertThrows(ConfigException.class,
        () -> SessionFactory.requireEnvironment(avx2, Map.of("ONEDNN_MAX_CPU_ISA", "AVX512_CORE")::get));
    assertTrue(other.getMessage().endsWith("found ONEDNN_MAX_CPU_ISA=AVX512_CORE"), other.getMessage());
    SessionFactory.requireEnvironment(avx2, Map.of("ONEDNN_MAX_CPU_ISA", "avx2")::get);
    ConfigException typo = assertThrows(ConfigException.class, () -> SessionFactory.requireEnvironment(
        RuntimeConfig.newBuilder().setOnednnMaxCpuIsa("AVX3").build(), Map.of("ONEDNN_MAX_CPU_ISA", "AVX3")::get));
    assertTrue(typo.getMessage().startsWith("field 'runtime.onednn_max_cpu_isa': expected one of [SSE41, AVX, AVX2,"),
        typo.getMessage());
    assertTrue(typo.getMessage().endsWith("found \"AVX3\""), typo.getMessage());
  }

  @Test
  void bf16NeedsOneDnn() {
    RuntimeConfig bf16 = RuntimeConfig.newBuilder().setPrecision(RuntimeConfig.Precision.BF16).build();
    ConfigException off = assertThrows(ConfigException.class,
        () -> SessionFactory.requireEnvironment(bf16, Map.of("TF_ENABLE_ONEDNN_OPTS", "0")::get));
    assertEquals("field 'runtime.precision': expected the environment variable TF_ENABLE_ONEDNN_OPTS=1 (BF16 is"
        + " Grappler's oneDNN bfloat16 rewriter, which runs only with oneDNN on; the delineo launcher sets it),"
        + " found TF_ENABLE_ONEDNN_OPTS=0", off.getMessage());
    SessionFactory.requireEnvironment(bf16, Map.of("TF_ENABLE_ONEDNN_OPTS", "1")::get);
    // FP16's rewriter is the GPU one: no variable needed.
    SessionFactory.requireEnvironment(RuntimeConfig.newBuilder().setPrecision(RuntimeConfig.Precision.FP16).build(),
        name -> null);
  }

  @Test
  void fp32WithoutXlaSetsNoGraphOptions() {
    // The session of the defaults is the one before these fields existed: no rewriter or JIT changed.
    assertFalse(SessionFactory.sessionConfig(RuntimeConfig.getDefaultInstance()).hasGraphOptions());
    ConfigProto xla = SessionFactory.sessionConfig(RuntimeConfig.newBuilder().setXla(true).build());
    assertEquals(OptimizerOptions.GlobalJitLevel.ON_1, xla.getGraphOptions().getOptimizerOptions().getGlobalJitLevel());
    assertFalse(xla.getGraphOptions().hasRewriteOptions());
  }

  @Test
  void eachPrecisionTurnsOnOneRewriterAndLeavesTheOthersAtTheirDefaults() {
    RewriterConfig fp16 = SessionFactory.sessionConfig(
        RuntimeConfig.newBuilder().setPrecision(RuntimeConfig.Precision.FP16).build()).getGraphOptions().getRewriteOptions();
    assertEquals(RewriterConfig.newBuilder().setAutoMixedPrecision(RewriterConfig.Toggle.ON).build(), fp16);
    RewriterConfig bf16 = SessionFactory.sessionConfig(
        RuntimeConfig.newBuilder().setPrecision(RuntimeConfig.Precision.BF16).build()).getGraphOptions().getRewriteOptions();
    assertEquals(RewriterConfig.newBuilder().setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON).build(), bf16);
  }

  @Test
  void deterministicSessionsRunOneOpAtATime() {
    ConfigProto deterministic = SessionFactory.sessionConfig(DETERMINISTIC);
    assertEquals(1, deterministic.getInterOpParallelismThreads());
    assertEquals(2, deterministic.getIntraOpParallelismThreads());
    ConfigProto free = SessionFactory.sessionConfig(RuntimeConfig.newBuilder().setInterOpThreads(3).build());
    assertEquals(3, free.getInterOpParallelismThreads());
  }
}
