package org.delineo.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.Split;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.run.SessionFactory;
import org.delineo.training.strategy.StepBatch;
import org.delineo.training.strategy.Towers;
import org.delineo.training.wiring.Experiment;
import org.delineo.graph.distribute.CollectiveAllReduce;
import org.delineo.graph.distribute.NcclMeanAllReduce;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * Data-parallel towers on two virtual CPU devices against independent single-device formulations.
 * The model is the tiny UNet with batch norm and no dropout (each tower would draw its own masks),
 * trained with plain SGD (no momentum, no weight decay), so that one step is w − lr·g and the mean of
 * two steps' results is the step on the mean gradient. The loss is the default cross-entropy, a mean
 * over pixels, and the synthetic labels have no ignored pixels: each tower's loss is then a mean over
 * as many pixels as the other's, so the mean of the two tower losses is the mean over the whole batch.
 * With ignored pixels the towers would average per-tower means, which weights pixels differently
 * from one device (as PyTorch's DDP does), and the comparison with one device would not hold.
 */
class TowerReplicationTest {
  private static final float LR = 0.1f;

  private static ExperimentConfig config(String norm, String runtime) {
    return ExperimentConfigLoader.withExplicitDefaults(ExperimentConfigLoader.parse("""
        model { unet { channels: [4, 8, 16, 32, 64] encoder_dropout: [0, 0, 0, 0, 0] } norm: %s }
        data { batch_size: 4 }
        optimizer { sgd { momentum: 0 } lr: %s weight_decay: 0 }
        schedule { constant {} total_steps: 100 warmup_steps: 0 }
        runtime { seed: 5 device: CPU intra_op_threads: 2 inter_op_threads: 2 %s }
        """.formatted(norm, LR, runtime), "towers"));
  }

  /** The 4 in-memory samples in order, as one batch, or the half {@code [from, from + 2)}. */
  private static StepBatch batch(int from, int count) {
    InMemoryDataset data = new InMemoryDataset(4, -1);
    List<Sample> samples = new ArrayList<>();
    for (String id : data.ids(Split.TRAIN).subList(from, from + count)) {
      samples.add(data.load(id));
    }
    return StepBatch.of(Batch.stack(samples));
  }

  /** What a run leaves: the loss of each step and every variable's value afterwards, by name. */
  private record Outcome(float[] losses, Map<String, float[]> variables, List<RunMetadata> trace) {}

  /**
   * {@code steps} steps of the config on {@code batch} in a fresh graph (towers as the config says,
   * or {@code towers} when given); with {@code trace}, the last step is traced.
   */
  private static Outcome train(ExperimentConfig config, Towers towers, StepBatch batch, int steps, boolean trace) {
    Experiment e = Experiment.create(config, List.of());
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, 5, e.model(2, 3), e.strategy(), e.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), 3), 2, 3, towers == null ? ConfiguredTowers.of(config) : towers);
      try (Session session = SessionFactory.open(graph, config.getRuntime())) {
        session.initialize();
        float[] losses = new float[steps];
        List<RunMetadata> metadata = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
          losses[i] = trace && i == steps - 1
              ? g.runTraced(session, batch, metadata)[0]
              : g.run(session, batch, List.of())[0];
        }
        return new Outcome(losses, variables(graph, session), metadata);
      }
    }
  }

  /** Every VariableV2's value, read through its {@code _read} identity. */
  private static Map<String, float[]> variables(Graph graph, Session session) {
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (op.type().equals("VariableV2") && op.output(0).type().equals(TFloat32.class)
          && graph.operation(op.name() + "_read") != null) {
        try (Result r = session.runner().fetch(op.name() + "_read").run()) {
          values.put(op.name(), Tensors.toFloats(r, 0));
        }
      }
    }
    return values;
  }

  /** {@code actual} equals {@code expected} to {@code relative} of its magnitude, floored at 0.1 (see below). */
  private static void assertClose(float expected, float actual, double relative, String what) {
    assertEquals(expected, actual, relative * Math.max(0.1, Math.abs(expected)), what);
  }

  /**
   * Every float variable of {@code actual} equals {@code expected}'s to {@code relative} times the
   * value's magnitude, floored at 0.1: float rounding differs between one and two devices (other
   * batch sizes per kernel, the all-reduce's sums), and a value near 0 (a bias, which starts at 0 and
   * moves by lr·g) has no relative precision of its own. The floor's 1e-5 is still two orders of
   * magnitude below what per-tower statistics change in these steps.
   */
  private static void assertSameWeights(Map<String, float[]> expected, Map<String, float[]> actual, double relative) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      float[] e = expected.get(name);
      float[] a = actual.get(name);
      for (int i = 0; i < e.length; i++) {
        assertClose(e[i], a[i], relative, name + "[" + i + "]");
      }
    }
  }

  @Test
  void syncBatchNormOnTwoTowersTrainsAsOneDeviceOnTheGlobalBatch() {
    Outcome one = train(config("BATCH", ""), null, batch(0, 4), 3, false);
    Outcome towers = train(config("SYNC_BATCH", "replicas: 2"), null, batch(0, 4), 3, false);
    for (int i = 0; i < 3; i++) {
      assertClose(one.losses()[i], towers.losses()[i], 1e-4, "loss of step " + i);
    }
    // Weights and moving statistics: the global batch's statistics in every tower, tower 0's updates.
    assertSameWeights(one.variables(), towers.variables(), 1e-4);
  }

  @Test
  void plainBatchNormOnTwoTowersIsTheMeanOfTheHalvesWithTheirOwnStatistics() {
    ExperimentConfig single = config("BATCH", "");
    Outcome first = train(single, null, batch(0, 2), 1, false);
    Outcome second = train(single, null, batch(2, 2), 1, false);
    Outcome whole = train(single, null, batch(0, 4), 1, false);
    Outcome towers = train(config("BATCH", "replicas: 2"), null, batch(0, 4), 1, false);

    assertClose((first.losses()[0] + second.losses()[0]) / 2, towers.losses()[0], 1e-5, "tower loss");
    boolean differs = false;
    for (Map.Entry<String, float[]> v : towers.variables().entrySet()) {
      String name = v.getKey();
      float[] a = first.variables().get(name);
      float[] b = second.variables().get(name);
      float[] actual = v.getValue();
      boolean statistic = name.endsWith("running_mean") || name.endsWith("running_var");
      for (int i = 0; i < actual.length; i++) {
        // SGD: w − lr·(g0 + g1)/2 is the mean of the two half-batch steps; the moving statistics
        // are tower 0's, i.e. those of the first half.
        float expected = statistic ? a[i] : (a[i] + b[i]) / 2;
        assertClose(expected, actual[i], 1e-4, name + "[" + i + "]");
        differs |= Math.abs(whole.variables().get(name)[i] - actual[i]) > 1e-3 * Math.max(1, Math.abs(actual[i]));
      }
    }
    assertTrue(differs, "per-tower statistics change the step against one device on the whole batch");
    assertTrue(Math.abs(whole.losses()[0] - towers.losses()[0]) > 1e-4,
        "whole-batch loss " + whole.losses()[0] + " vs towers " + towers.losses()[0]);
  }

  @Test
  void gradientsAllReducedOnTheTowersEqualTheAddNMean() {
    // The all-reduced path (NCCL between GPUs) run with CPU collectives: the same step as AddN / N.
    ExperimentConfig config = config("BATCH", "replicas: 2");
    Towers addN = ConfiguredTowers.of(config);
    assertFalse(addN.allReduceGradients(), "CPU towers average with AddN");
    Towers collective = new Towers(addN.devices(), new CollectiveAllReduce(2, 7, 0f), false, true);
    Outcome expected = train(config, addN, batch(0, 4), 2, false);
    Outcome actual = train(config, collective, batch(0, 4), 2, false);
    for (int i = 0; i < 2; i++) {
      assertClose(expected.losses()[i], actual.losses()[i], 1e-5, "loss of step " + i);
    }
    assertSameWeights(expected.variables(), actual.variables(), 1e-5);
  }

  @Test
  void gpuTowersAverageEveryGradientWithNcclOnTheirOwnDevices() {
    // Built only (no GPU here): one NcclAllReduce per trainable variable on each GPU, the members of
    // one variable's all-reduce sharing a name.
    ExperimentConfig config = config("BATCH", "replicas: 2");
    Experiment e = Experiment.create(config, List.of());
    Towers gpus = new Towers(List.of("/device:GPU:0", "/device:GPU:1"), new NcclMeanAllReduce(2), false, true);
    try (Graph graph = new Graph()) {
      TrainingGraph.build(graph, 5, e.model(2, 3), e.strategy(), e.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), 3), 2, 3, gpus);
      List<String> trainable = new ArrayList<>();
      for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.type().equals("VariableV2") && !op.name().contains("running_") && !op.name().equals("global_step")) {
          trainable.add("gradient:" + op.name() + "#0");
        }
      }
      Map<String, List<String>> devicesByName = new LinkedHashMap<>();
      for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.type().equals("NcclAllReduce")) {
          devicesByName.computeIfAbsent(op.attributes().getAttrString("shared_name"), k -> new ArrayList<>())
              .add(op.device().replaceAll(".*device:", ""));
        }
      }
      assertEquals(new java.util.TreeSet<>(trainable), new java.util.TreeSet<>(devicesByName.keySet()),
          "one all-reduce per trainable variable");
      devicesByName.forEach((name, devices) -> assertEquals(List.of("GPU:0", "GPU:1"), devices, name));
    }
  }

  @Test
  void eachTowerRunsItsForwardAndBackwardPassOnItsOwnCpuDevice() {
    Outcome towers = train(config("BATCH", "replicas: 2"), null, batch(0, 4), 1, true);
    // Executed kernels by device: forward convolutions (the generic Conv op, or Conv2D, which oneDNN
    // names _MklNative…Conv2D…), not counting the Convs that compute input gradients, and the
    // weight gradients of convolutions (Conv2DBackpropFilter; the 1×1 classifier's, a MatMul, is named
    // ConvFilterGradient).
    Map<String, Integer> forward = new LinkedHashMap<>();
    Map<String, Integer> backward = new LinkedHashMap<>();
    for (RunMetadata m : towers.trace()) {
      for (DeviceStepStats device : m.getStepStats().getDevStatsList()) {
        String name = device.getDevice().replaceAll(".*/device:", "");
        for (NodeExecStats node : device.getNodeStatsList()) {
          String label = node.getTimelineLabel();
          String kernel = label.replaceAll("^[^=]*= (\\w+)\\(.*$", "$1");
          String op = node.getNodeName();
          if (kernel.contains("Conv2DBackpropFilter") || kernel.endsWith("MatMul") && op.contains("ConvFilterGradient")) {
            backward.merge(name, 1, Integer::sum);
          } else if ((kernel.equals("Conv") || kernel.contains("Conv2D") && !kernel.contains("Backprop"))
              && !op.contains("ConvInputGradient")) {
            forward.merge(name, 1, Integer::sum);
          }
        }
      }
    }
    // The tiny UNet has 23 convolutions; each tower runs all of them, both ways, on its device.
    assertEquals(Map.of("CPU:0", 23, "CPU:1", 23), forward, "forward convolutions per device");
    assertEquals(Map.of("CPU:0", 23, "CPU:1", 23), backward, "convolution weight gradients per device");
  }

  @Test
  void oneDeviceBuildsNoTowerOps() {
    ExperimentConfig config = config("BATCH", "");
    Experiment e = Experiment.create(config, List.of());
    try (Graph graph = new Graph()) {
      TrainingGraph.build(graph, 5, e.model(2, 3), e.strategy(), e.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), 3), 2, 3, ConfiguredTowers.of(config));
      for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        assertTrue(op.device().isEmpty() && !op.name().contains("_towers") && !op.name().startsWith("towers"),
            op.name() + " on '" + op.device() + "'");
      }
    }
  }
}
