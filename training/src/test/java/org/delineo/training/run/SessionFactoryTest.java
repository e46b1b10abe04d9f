package org.delineo.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.delineo.proto.RuntimeConfig;
import org.delineo.training.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/**
 * {@code runtime.deterministic}: it needs TensorFlow's native switch {@code TF_DETERMINISTIC_OPS}
 * in the environment (spelt as TensorFlow accepts true) and runs sessions with one inter-op thread;
 * without it, the configured threads are used as given.
 */
class SessionFactoryTest {
  private static final RuntimeConfig DETERMINISTIC =
      RuntimeConfig.newBuilder().setDeterministic(true).setIntraOpThreads(2).build();

  @Test
  void deterministicNeedsTheEnvironmentSwitch() {
    ConfigException unset = assertThrows(ConfigException.class,
        () -> SessionFactory.requireDeterministicOps(DETERMINISTIC, name -> null));
    assertEquals("field 'runtime.deterministic': expected the environment variable TF_DETERMINISTIC_OPS=1"
        + " (TensorFlow reads it natively when it starts; set it before running delineo), found it unset",
        unset.getMessage());
    ConfigException off = assertThrows(ConfigException.class,
        () -> SessionFactory.requireDeterministicOps(DETERMINISTIC, Map.of("TF_DETERMINISTIC_OPS", "0")::get));
    assertEquals("field 'runtime.deterministic': expected the environment variable TF_DETERMINISTIC_OPS=1"
        + " (TensorFlow reads it natively when it starts; set it before running delineo), found"
        + " TF_DETERMINISTIC_OPS=0", off.getMessage());
    for (String on : new String[] {"1", "true", "TRUE"}) {
      SessionFactory.requireDeterministicOps(DETERMINISTIC, Map.of("TF_DETERMINISTIC_OPS", on)::get);
    }
    // Not asked for: the environment does not matter.
    SessionFactory.requireDeterministicOps(RuntimeConfig.getDefaultInstance(), name -> null);
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
