package org.delineo.training.train;

import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.run.SessionFactory;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.strategy.StepBatch;
import org.delineo.training.data.Sample;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * Tiny variants of the PROVE models (the same code, fewer channels and blocks through the config,
 * default dropout and aux heads, PROVE's --aux-loss lovasz) fit one fixed batch: the loss after a
 * few Adam steps is below the first step's loss.
 */
class SceneModelTinyTrainingTest {
  private static final int STEPS = 5;

  @Test
  void deeplabv3plus() {
    assertFalls("deeplabv3plus_r50", "deeplabv3plus { backbone { resnet_v1c { base_channels: 4 stage_blocks: [1, 1, 1, 1] } }"
        + " channels: 8 c1_channels: 4 aux_head { channels: 4 } }");
  }

  @Test
  void pspnet() {
    assertFalls("pspnet_r50",
        "pspnet { backbone { resnet_v1c { base_channels: 4 stage_blocks: [1, 1, 1, 1] } } channels: 8 aux_head { channels: 4 } }");
  }

  @Test
  void hrnet() {
    assertFalls("hrnet_w48", "hrnet { backbone { hrnet_v2 { width: 4 num_modules: [1, 1, 1] num_blocks: 1 } } }");
  }

  @Test
  void segformer() {
    // 16 x 16 images: stage maps 4, 2, 1, 1 wide, so only stage 1 can reduce its keys (by 2).
    assertFalls("segformer_mit_b3", "segformer { backbone { mit { embed_dims: [8, 16, 32, 32]"
        + " num_layers: [1, 1, 1, 1] num_heads: [1, 1, 2, 2] sr_ratios: [2, 1, 1, 1] } } channels: 16 }");
  }

  private static void assertFalls(String name, String family) {
    ExperimentConfig config = ExperimentConfigLoader.parse("""
        model { name: "%s" %s }
        loss { aux_loss: LOVASZ }
        optimizer { adamw {} lr: 0.01 weight_decay: 0 }
        schedule { constant {} total_steps: 100 warmup_steps: 0 }
        runtime { seed: 5 intra_op_threads: 2 inter_op_threads: 1 }
        """.formatted(name, family), "test");
    Experiment e = Experiment.create(config, List.of());
    InMemoryDataset data = new InMemoryDataset(4, -1);
    List<Sample> samples = new ArrayList<>();
    for (String id : data.ids(org.delineo.training.data.Split.TRAIN)) {
      samples.add(data.load(id));
    }
    Batch batch = Batch.stack(samples);
    SegmentationModel model = e.model(2, 3);
    float[] losses = new float[STEPS];
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, 5, model, e.strategy(), e.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), 3), 2, 3);
      try (Session session = SessionFactory.open(graph, config.getRuntime())) {
        session.initialize();
        for (int i = 0; i < STEPS; i++) {
          losses[i] = g.run(session, StepBatch.of(batch), List.of())[0];
        }
      }
    }
    // Dropout makes single steps noisy; the last two steps must both be below the first.
    assertTrue(losses[STEPS - 1] < losses[0] && losses[STEPS - 2] < losses[0],
        name + " loss falls on a fixed batch: " + Arrays.toString(losses));
  }
}
