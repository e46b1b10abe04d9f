package org.delineo.training.distribute;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.JsonReader;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * The workers of a data-parallel run across processes and this process's place among them: every
 * worker's {@code host:port} (the same list, in the same order, in every worker) and this worker's
 * index. In TensorFlow's terms they form the one job {@value #JOB}; task {@code i} listens on
 * {@code workers.get(i)}, and task 0 (the chief) leads the collective groups and is the only one
 * that writes to the run directory.
 *
 * @param workers every worker's {@code host:port}, task 0 first
 * @param taskIndex this worker's index in {@code workers}
 */
public record WorkerCluster(List<String> workers, int taskIndex) {
  /** TensorFlow's job name of the workers, as in {@code TF_CONFIG} and device names. */
  public static final String JOB = "worker";
  /** The environment variable TensorFlow's launchers and Kubernetes operators set. */
  public static final String TF_CONFIG = "TF_CONFIG";

  public WorkerCluster {
    workers = List.copyOf(workers);
    if (workers.isEmpty()) {
      throw new IllegalArgumentException("a cluster needs at least one worker");
    }
    if (taskIndex < 0 || taskIndex >= workers.size()) {
      throw new IllegalArgumentException("task index " + taskIndex + " outside [0, " + workers.size() + ")");
    }
  }

  /**
   * The cluster of this process, from the {@code --cluster} and {@code --task-index} flags and the
   * {@value #TF_CONFIG} environment variable; each flag given wins over its part of the variable.
   * Empty when neither flag nor variable is set (an ordinary single-process run).
   *
   * @param clusterFlag {@code host:port,host:port,...}, or null when not given
   * @param taskIndexFlag the index as typed, or null when not given
   * @param env the environment
   * @throws DelineoException naming the flag or the variable when a value is malformed, the index
   *     is outside the cluster, or only one half (cluster or index) is known
   */
  public static Optional<WorkerCluster> resolve(String clusterFlag, String taskIndexFlag, UnaryOperator<String> env) {
    String tfConfig = env.apply(TF_CONFIG);
    boolean fromEnv = tfConfig != null && !tfConfig.isBlank();
    if (clusterFlag == null && taskIndexFlag == null && !fromEnv) {
      return Optional.empty();
    }
    WorkerCluster configured = fromEnv && (clusterFlag == null || taskIndexFlag == null)
        ? fromTfConfig(tfConfig) : null;
    List<String> workers;
    String workersSource;
    if (clusterFlag != null) {
      workers = parseWorkers(clusterFlag);
      workersSource = "--cluster";
    } else if (configured != null) {
      workers = configured.workers();
      workersSource = TF_CONFIG + " cluster.worker";
    } else {
      throw new DelineoException("--task-index needs --cluster host:port,host:port,... (or the environment"
          + " variable " + TF_CONFIG + "), the list of every worker");
    }
    int index;
    String indexSource;
    if (taskIndexFlag != null) {
      index = parseIndex(taskIndexFlag);
      indexSource = "--task-index";
    } else if (configured != null) {
      index = configured.taskIndex();
      indexSource = TF_CONFIG + " task.index";
    } else {
      throw new DelineoException("--cluster needs --task-index I (or the environment variable " + TF_CONFIG
          + "), this worker's position in the list, from 0");
    }
    if (index >= workers.size()) {
      throw new DelineoException(indexSource + ": expected a worker index in [0, " + workers.size() + ") for the "
          + workers.size() + " worker(s) of " + workersSource + ", found " + index);
    }
    return Optional.of(new WorkerCluster(workers, index));
  }

  /**
   * The cluster a {@value #TF_CONFIG} value describes: {@code {"cluster": {"worker": ["host:port",
   * ...]}, "task": {"type": "worker", "index": i}}}.
   *
   * @throws DelineoException naming {@value #TF_CONFIG} and the field when it is malformed, holds
   *     jobs other than {@value #JOB} (parameter servers, a separate chief, an evaluator) or an
   *     index outside the worker list
   */
  public static WorkerCluster fromTfConfig(String json) {
    // A malformed text fails here with a one-line JsonFormatException naming the variable.
    Map<?, ?> root = object(JsonReader.parse(json, "environment variable " + TF_CONFIG), "the value");
    Map<?, ?> cluster = object(root.get("cluster"), "field 'cluster'");
    for (Object job : cluster.keySet()) {
      if (!JOB.equals(job)) {
        throw new DelineoException(TF_CONFIG + ": expected only the job '" + JOB + "' in field 'cluster' (Delineo"
            + " trains by all-reduce among workers, without parameter servers, a separate chief or an"
            + " evaluator), found job '" + job + "'");
      }
    }
    if (!(cluster.get(JOB) instanceof List<?> list) || list.isEmpty()) {
      throw new DelineoException(TF_CONFIG + ": expected field 'cluster.worker' to be a non-empty list of"
          + " \"host:port\" strings, found " + describe(cluster.get(JOB)));
    }
    List<String> workers = new ArrayList<>();
    for (Object entry : list) {
      if (!(entry instanceof String address)) {
        throw new DelineoException(TF_CONFIG + ": expected field 'cluster.worker' to hold \"host:port\" strings,"
            + " found " + describe(entry));
      }
      workers.add(address);
    }
    checkAddresses(workers, TF_CONFIG + " cluster.worker");
    Map<?, ?> task = object(root.get("task"), "field 'task'");
    Object type = task.get("type");
    if (!JOB.equals(type)) {
      throw new DelineoException(TF_CONFIG + ": expected field 'task.type' to be \"" + JOB + "\", found "
          + describe(type));
    }
    if (!(task.get("index") instanceof Long index) || index < 0 || index >= workers.size()) {
      throw new DelineoException(TF_CONFIG + ": expected field 'task.index' to be a worker index in [0, "
          + workers.size() + "), found " + describe(task.get("index")));
    }
    return new WorkerCluster(workers, index.intValue());
  }

  /** The number of workers. */
  public int size() {
    return workers.size();
  }

  /** Whether this is worker 0, which leads the collectives and alone writes the run directory. */
  public boolean isChief() {
    return taskIndex == 0;
  }

  /** This worker's {@code host:port}. */
  public String address() {
    return workers.get(taskIndex);
  }

  /** The session target of this worker's own server. */
  public String target() {
    return "grpc://" + address();
  }

  /** TensorFlow's name of task {@code index}, the prefix of its device names. */
  public static String taskName(int index) {
    return "/job:" + JOB + "/replica:0/task:" + index;
  }

  /** This worker's task name, where its ops are placed (TensorFlow picks the device within it). */
  public String task() {
    return taskName(taskIndex);
  }

  /**
   * {@code base} with what a worker's sessions and server need: task 0 as the collective group
   * leader (without it each worker would resolve its groups alone and wait forever), and a device
   * filter on this worker's own task, so that a session neither waits for nor talks to the other
   * workers' masters; they meet only inside the collective ops.
   */
  public ConfigProto sessionConfig(ConfigProto base) {
    ConfigProto.Builder config = base.toBuilder().clearDeviceFilters().addDeviceFilters(task());
    config.getExperimentalBuilder().setCollectiveGroupLeader(taskName(0));
    return config.build();
  }

  /** The definition of this worker's gRPC server, whose sessions default to {@code sessionConfig}. */
  public ServerDef serverDef(ConfigProto sessionConfig) {
    JobDef.Builder job = JobDef.newBuilder().setName(JOB);
    for (int i = 0; i < workers.size(); i++) {
      job.putTasks(i, workers.get(i));
    }
    return ServerDef.newBuilder()
        .setCluster(ClusterDef.newBuilder().addJob(job))
        .setJobName(JOB)
        .setTaskIndex(taskIndex)
        .setProtocol("grpc")
        .setDefaultSessionConfig(sessionConfig)
        .build();
  }

  private static List<String> parseWorkers(String flag) {
    List<String> workers = new ArrayList<>();
    for (String entry : flag.split(",", -1)) {
      workers.add(entry.strip());
    }
    checkAddresses(workers, "--cluster");
    return workers;
  }

  private static int parseIndex(String flag) {
    try {
      int index = Integer.parseInt(flag.strip());
      if (index >= 0) {
        return index;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new DelineoException("--task-index: expected a worker index (an integer from 0), found '" + flag + "'");
  }

  /** Every address is {@code host:port} with a port in [1, 65535], and none repeats. */
  private static void checkAddresses(List<String> workers, String source) {
    Set<String> seen = new HashSet<>();
    for (String address : workers) {
      int colon = address.lastIndexOf(':');
      String host = colon < 0 ? "" : address.substring(0, colon);
      if (colon < 0 || host.isEmpty() || !validPort(address.substring(colon + 1))) {
        throw new DelineoException(source + ": expected every worker as host:port (port 1-65535), found '"
            + address + "'");
      }
      if (!seen.add(address)) {
        throw new DelineoException(source + ": expected every worker once, found '" + address + "' twice");
      }
    }
  }

  private static boolean validPort(String text) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
      return false;
    }
    int port = Integer.parseInt(text);
    return port >= 1 && port <= 65535;
  }

  private static Map<?, ?> object(Object value, String what) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new DelineoException(TF_CONFIG + ": expected " + what + " to be a JSON object, found " + describe(value));
    }
    return map;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "nothing";
    }
    return value instanceof String s ? "\"" + s + "\"" : value.toString();
  }
}
