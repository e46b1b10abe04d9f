package org.delineo.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.delineo.training.run.SessionFactory;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * {@code runtime.xla} on the tiny UNet, read from the graph TensorFlow executed. The test JVM has
 * {@code TF_XLA_FLAGS=--tf_xla_cpu_global_jit} (Surefire, as the launcher): with {@code xla} the
 * step runs as XLA clusters ({@code _XlaCompile} / {@code _XlaRun}) and the convolutions leave the
 * executed graph for them, while the ref-variable ops (VariableV2, Assign) stay outside; without it,
 * the same flag clusters nothing.
 */
class XlaClusteringTest {

  @Test
  void xlaRunsTheStepAsClustersAndLeavesRefVariableOpsOutside() {
    TinyUNetRun run = TinyUNetRun.train("xla: true", 2);
    assertFinite(run);
    Map<String, Integer> ops = opCounts(run);
    assertTrue(ops.getOrDefault("_XlaRun", 0) > 0, ops.toString());
    assertEquals(ops.get("_XlaCompile"), ops.get("_XlaRun"), "one compile per launched cluster");
    assertTrue(ops.keySet().stream().noneMatch(op -> op.equals("Conv") || op.contains("Conv2D")),
        "convolutions are compiled: " + ops);
    assertTrue(ops.getOrDefault("VariableV2", 0) > 0 && ops.getOrDefault("Assign", 0) > 0, ops.toString());
  }

  @Test
  void theLauncherFlagAloneClustersNothing() {
    String flags = System.getenv(SessionFactory.XLA_FLAGS);
    assertTrue(flags != null && flags.contains(SessionFactory.XLA_CPU_GLOBAL_JIT),
        "the test JVM must run with the launcher's flag (Surefire sets it), found " + flags);
    TinyUNetRun run = TinyUNetRun.train("", 2);
    assertFinite(run);
    Map<String, Integer> ops = opCounts(run);
    for (String xla : Set.of("_XlaRun", "_XlaCompile", "_XlaMerge")) {
      assertFalse(ops.containsKey(xla), ops.toString());
    }
    assertTrue(ops.keySet().stream().anyMatch(op -> op.equals("Conv")), ops.toString());
    assertTrue(run.executed().stream().flatMap(g -> g.getNodeList().stream())
        .noneMatch(n -> n.getName().startsWith("cluster_")));
  }

  private static void assertFinite(TinyUNetRun run) {
    for (float loss : run.losses()) {
      assertTrue(Float.isFinite(loss), Arrays.toString(run.losses()));
    }
  }

  private static Map<String, Integer> opCounts(TinyUNetRun run) {
    Map<String, Integer> counts = new HashMap<>();
    for (GraphDef graph : run.executed()) {
      for (NodeDef node : graph.getNodeList()) {
        counts.merge(node.getOp(), 1, Integer::sum);
      }
    }
    return counts;
  }
}
