package org.delineo.training.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.run.TrainingConv2dOps;
import org.delineo.training.strategy.Towers;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.Split;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.run.SessionFactory;
import org.delineo.training.strategy.StepBatch;
import org.delineo.training.wiring.Experiment;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;

/**
 * A few Adam steps of the tiny UNet on one fixed batch of {@link InMemoryDataset} (2 × 16 × 16), in
 * a session opened by {@link SessionFactory} from the config's {@code runtime}, then one more step
 * that returns the graph TensorFlow executed ({@code RunMetadata} partition graphs).
 *
 * @param losses the loss of each step
 * @param scalars the logged scalars of the last of those steps, by name (the loss aside)
 * @param executed the partition graphs of the extra step
 */
record TinyUNetRun(float[] losses, Map<String, Float> scalars, List<GraphDef> executed) {

  /** Runs {@code steps} steps with the {@code runtime { ... }} block {@code runtime}. */
  static TinyUNetRun train(String runtime, int steps) {
    ExperimentConfig config = ExperimentConfigLoader.parse("""
        model { unet { channels: [4, 8, 16, 32, 64] } }
        optimizer { adamw {} lr: 0.01 weight_decay: 0 }
        schedule { constant {} total_steps: 100 warmup_steps: 0 }
        runtime { seed: 5 intra_op_threads: 2 inter_op_threads: 1 %s }
        """.formatted(runtime), "tiny");
    Experiment e = Experiment.create(config, List.of());
    InMemoryDataset data = new InMemoryDataset(2, -1);
    List<Sample> samples = new ArrayList<>();
    for (String id : data.ids(Split.TRAIN)) {
      samples.add(data.load(id));
    }
    StepBatch batch = StepBatch.of(Batch.stack(samples));
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, 5, e.model(2, 3), e.strategy(), e.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), 3), 2, 3, Towers.NONE, null,
          TrainingConv2dOps.of(config.getRuntime()));
      List<String> names = new ArrayList<>(g.scalars().keySet());
      names.remove("loss"); // fetched once as the step loss, as the trainer does
      try (Session session = SessionFactory.open(graph, config.getRuntime())) {
        session.initialize();
        float[] losses = new float[steps];
        float[] last = null;
        for (int i = 0; i < steps; i++) {
          last = g.run(session, batch, names);
          losses[i] = last[0];
        }
        Map<String, Float> scalars = new java.util.LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
          scalars.put(names.get(i), last[i + 1]);
        }
        return new TinyUNetRun(losses, scalars, executedGraphs(session, g, batch));
      }
    }
  }

  private static List<GraphDef> executedGraphs(Session session, TrainingGraph g, StepBatch batch) {
    List<RunMetadata> metadata = new ArrayList<>();
    g.runWithOptions(session, batch, RunOptions.newBuilder().setOutputPartitionGraphs(true).build(), metadata);
    List<GraphDef> graphs = new ArrayList<>();
    metadata.forEach(m -> graphs.addAll(m.getPartitionGraphsList()));
    return graphs;
  }
}
