package org.delineo.training.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.ServerDef;

class WorkerClusterTest {
  private static final UnaryOperator<String> NO_ENV = name -> null;
  private static final String TF_CONFIG_TWO = """
      {"cluster": {"worker": ["w0.svc:2222", "w1.svc:2222"]}, "task": {"type": "worker", "index": 1}}""";

  private static UnaryOperator<String> env(String tfConfig) {
    return Map.of(WorkerCluster.TF_CONFIG, tfConfig)::get;
  }

  @Test
  void withoutFlagsOrVariableThereIsNoCluster() {
    assertEquals(Optional.empty(), WorkerCluster.resolve(null, null, NO_ENV));
    assertEquals(Optional.empty(), WorkerCluster.resolve(null, null, env("  ")));
  }

  @Test
  void flagsGiveTheWorkersInOrderAndTheIndex() {
    WorkerCluster c = WorkerCluster.resolve("10.0.0.1:2222, 10.0.0.2:2223", "1", NO_ENV).orElseThrow();
    assertEquals(List.of("10.0.0.1:2222", "10.0.0.2:2223"), c.workers());
    assertEquals(1, c.taskIndex());
    assertEquals("grpc://10.0.0.2:2223", c.target());
    assertEquals("/job:worker/replica:0/task:1", c.task());
    assertEquals(false, c.isChief());
  }

  @Test
  void tfConfigGivesTheWorkersAndTheIndex() {
    WorkerCluster c = WorkerCluster.resolve(null, null, env(TF_CONFIG_TWO)).orElseThrow();
    assertEquals(new WorkerCluster(List.of("w0.svc:2222", "w1.svc:2222"), 1), c);
  }

  @Test
  void eachFlagWinsOverItsPartOfTfConfig() {
    assertEquals(new WorkerCluster(List.of("w0.svc:2222", "w1.svc:2222"), 0),
        WorkerCluster.resolve(null, "0", env(TF_CONFIG_TWO)).orElseThrow());
    assertEquals(new WorkerCluster(List.of("a:1", "b:2", "c:3"), 1),
        WorkerCluster.resolve("a:1,b:2,c:3", null, env(TF_CONFIG_TWO)).orElseThrow());
    // With both flags the variable is not even read, so a broken one does not matter.
    assertEquals(new WorkerCluster(List.of("a:1", "b:2"), 0),
        WorkerCluster.resolve("a:1,b:2", "0", env("{broken")).orElseThrow());
  }

  @Test
  void malformedFlagsAreOneLineNamingTheFlag() {
    assertError("--cluster: expected every worker as host:port (port 1-65535), found 'a'",
        () -> WorkerCluster.resolve("a,b:2", "0", NO_ENV));
    assertError("--cluster: expected every worker as host:port (port 1-65535), found 'b:70000'",
        () -> WorkerCluster.resolve("a:1,b:70000", "0", NO_ENV));
    assertError("--cluster: expected every worker as host:port (port 1-65535), found ''",
        () -> WorkerCluster.resolve("a:1,", "0", NO_ENV));
    assertError("--cluster: expected every worker once, found 'a:1' twice",
        () -> WorkerCluster.resolve("a:1,a:1", "0", NO_ENV));
    assertError("--task-index: expected a worker index (an integer from 0), found '-1'",
        () -> WorkerCluster.resolve("a:1,b:2", "-1", NO_ENV));
    assertError("--task-index: expected a worker index in [0, 2) for the 2 worker(s) of --cluster, found 2",
        () -> WorkerCluster.resolve("a:1,b:2", "2", NO_ENV));
    assertError("--cluster needs --task-index I (or the environment variable TF_CONFIG), this worker's position"
        + " in the list, from 0", () -> WorkerCluster.resolve("a:1,b:2", null, NO_ENV));
    assertError("--task-index needs --cluster host:port,host:port,... (or the environment variable TF_CONFIG),"
        + " the list of every worker", () -> WorkerCluster.resolve(null, "0", NO_ENV));
  }

  @Test
  void malformedTfConfigIsOneLineNamingTheField() {
    assertError("TF_CONFIG: expected only the job 'worker' in field 'cluster' (Delineo trains by all-reduce"
        + " among workers, without parameter servers, a separate chief or an evaluator), found job 'ps'",
        () -> WorkerCluster.fromTfConfig("{\"cluster\": {\"worker\": [\"a:1\"], \"ps\": [\"b:2\"]},"
            + " \"task\": {\"type\": \"worker\", \"index\": 0}}"));
    assertError("TF_CONFIG: expected field 'task.index' to be a worker index in [0, 2), found 2",
        () -> WorkerCluster.fromTfConfig(TF_CONFIG_TWO.replace("\"index\": 1", "\"index\": 2")));
    assertError("TF_CONFIG: expected field 'task.type' to be \"worker\", found \"chief\"",
        () -> WorkerCluster.fromTfConfig(TF_CONFIG_TWO.replace("\"type\": \"worker\"", "\"type\": \"chief\"")));
    assertError("TF_CONFIG: expected field 'cluster.worker' to be a non-empty list of \"host:port\" strings,"
        + " found []", () -> WorkerCluster.fromTfConfig("{\"cluster\": {\"worker\": []}}"));
    assertError("TF_CONFIG cluster.worker: expected every worker as host:port (port 1-65535), found 'w0'",
        () -> WorkerCluster.fromTfConfig(TF_CONFIG_TWO.replace("w0.svc:2222", "w0")));
    assertError("TF_CONFIG: expected field 'task' to be a JSON object, found nothing",
        () -> WorkerCluster.fromTfConfig("{\"cluster\": {\"worker\": [\"a:1\"]}}"));
    DelineoException e = assertThrows(DelineoException.class, () -> WorkerCluster.fromTfConfig("{broken"));
    assertTrue(e.getMessage().startsWith("environment variable TF_CONFIG"), e.getMessage());
  }

  @Test
  void sessionConfigMakesTaskZeroTheLeaderAndFiltersToTheOwnTask() {
    WorkerCluster c = new WorkerCluster(List.of("a:1", "b:2"), 1);
    ConfigProto base = ConfigProto.newBuilder().setIntraOpParallelismThreads(3).addDeviceFilters("/job:x").build();
    ConfigProto config = c.sessionConfig(base);
    assertEquals("/job:worker/replica:0/task:0", config.getExperimental().getCollectiveGroupLeader());
    assertEquals(List.of("/job:worker/replica:0/task:1"), config.getDeviceFiltersList());
    assertEquals(3, config.getIntraOpParallelismThreads());
  }

  @Test
  void serverDefListsEveryTaskOfTheWorkerJob() {
    ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(2).build();
    ServerDef def = new WorkerCluster(List.of("a:1", "b:2"), 1).serverDef(config);
    assertEquals("worker", def.getJobName());
    assertEquals(1, def.getTaskIndex());
    assertEquals("grpc", def.getProtocol());
    assertEquals(Map.of(0, "a:1", 1, "b:2"), def.getCluster().getJob(0).getTasksMap());
    assertEquals(config, def.getDefaultSessionConfig());
  }

  private static void assertError(String expected, org.junit.jupiter.api.function.Executable call) {
    assertEquals(expected, assertThrows(DelineoException.class, call).getMessage());
  }
}
