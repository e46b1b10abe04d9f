package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.delineo.graph.models.rfnet.PrismRfNet;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.OptimizerConfig;
import org.delineo.proto.PrismConfig;
import org.delineo.proto.ScheduleConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.train.TrainingGraph;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * PRISM's objective on a tiny network (b = 2, two levels, 8³ crops): every term is built, the
 * ablations remove theirs, and a few Adam steps on a fixed batch lower the loss.
 */
class PrismStrategyTest {
  private static final int SIZE = 8;
  private static final int CLASSES = 3;

  @Test
  void distillationTrainsWithFallingLoss() {
    List<Float> losses = train(PrismStrategy.Terms.all(), 6, names -> {
      assertTrue(names.containsAll(List.of("fuse", "prm", "sep", "kl", "proto", "loss")), names.toString());
    });
    assertTrue(losses.get(losses.size() - 1) < losses.get(0), "loss should fall: " + losses);
  }

  @Test
  void rfnetBaselineHasNoDistillationTerms() {
    List<Float> losses = train(new PrismStrategy.Terms(false, true, true, false, false), 3, names -> {
      assertFalse(names.contains("kl"), names.toString());
      assertFalse(names.contains("proto"), names.toString());
      assertTrue(names.containsAll(List.of("fuse", "prm", "sep", "loss")), names.toString());
    });
    assertEquals(3, losses.size());
  }

  @Test
  void ablationNamesSwitchTheirTerms() {
    ExperimentConfig config = ExperimentConfigLoader.parse(
        "model { prism_rfnet {} } strategy { prism {} }", "test");
    assertEquals(PrismStrategy.Terms.all(), terms(config, List.of()));
    assertEquals(new PrismStrategy.Terms(true, false, true, false, false), terms(config, List.of("no-kl")));
    assertEquals(new PrismStrategy.Terms(true, true, false, false, false), terms(config, List.of("no-proto")));
    assertEquals(new PrismStrategy.Terms(true, true, true, true, false), terms(config, List.of("uniform-prm-weights")));
    assertEquals(new PrismStrategy.Terms(false, true, true, false, false), terms(config, List.of("no-distill")));
    assertEquals(new PrismStrategy.Terms(true, true, true, false, true), terms(config, List.of("unweighted-ce")));
    // Inside Meta-Drop the ablation reaches the inner PRISM strategy too.
    ExperimentConfig meta = ExperimentConfigLoader.parse(
        "model { prism_rfnet {} } strategy { meta_drop { prism {} } }", "test");
    MetaDropStrategy md = assertInstanceOf(MetaDropStrategy.class,
        Experiment.create(meta, List.of("no-proto")).strategy());
    assertEquals(new PrismStrategy.Terms(true, true, false, false, false),
        assertInstanceOf(PrismStrategy.class, md.inner()).terms());
  }

  @Test
  void noKlAndNoProtoDropTheirLoggedTerms() {
    // Graph-level check of the ablated names' effect (built, not run).
    ExperimentConfig config = ExperimentConfigLoader.parse(
        "model { prism_rfnet {} } strategy { prism {} }", "test");
    train(terms(config, List.of("no-kl")), 0, names -> {
      assertFalse(names.contains("kl"), names.toString());
      assertTrue(names.containsAll(List.of("proto", "fuse", "prm", "sep")), names.toString());
    });
    train(terms(config, List.of("no-proto")), 0, names -> {
      assertFalse(names.contains("proto"), names.toString());
      assertTrue(names.containsAll(List.of("kl", "fuse", "prm", "sep")), names.toString());
    });
  }

  private static PrismStrategy.Terms terms(ExperimentConfig config, List<String> ablations) {
    return assertInstanceOf(PrismStrategy.class, Experiment.create(config, ablations).strategy()).terms();
  }

  private interface NameCheck {
    void check(java.util.Set<String> names);
  }

  private static List<Float> train(PrismStrategy.Terms terms, int steps, NameCheck check) {
    PrismRfNet net = PrismRfNet.builder(CLASSES).basicDims(2).levels(2).fusionHidden(4).inputSize(SIZE).build();
    PrismStrategy strategy = new PrismStrategy(PrismConfig.getDefaultInstance(), terms, false);
    OptimizerConfig opt = OptimizerConfig.newBuilder().setLr(0.01f)
        .setAdam(org.delineo.proto.AdamConfig.getDefaultInstance()).build();
    ScheduleConfig schedule = ScheduleConfig.newBuilder().setTotalSteps(100).setWarmupSteps(0)
        .setConstant(org.delineo.proto.ConstantScheduleConfig.getDefaultInstance()).build();
    StepBatch batch = batch();
    List<Float> losses = new ArrayList<>();
    try (Graph g = new Graph()) {
      TrainingGraph tg = TrainingGraph.build(g, 5, net, strategy, OptimizerFactory.create(opt, schedule),
          OptimizerFactory.schedule(0.01f, schedule), new InputNormalization(new float[0], new float[0]), 3, 4);
      check.check(tg.scalars().keySet());
      try (Session s = new Session(g)) {
        s.initialize();
        for (int i = 0; i < steps; i++) {
          float loss = tg.run(s, batch, List.of())[0];
          assertTrue(Float.isFinite(loss), "finite loss at step " + i);
          losses.add(loss);
        }
      }
    }
    return losses;
  }

  /** Two volumes with a cube of class 1 inside a shell of class 2; one sample misses two modalities. */
  private static StepBatch batch() {
    int n = 2;
    int voxels = SIZE * SIZE * SIZE;
    float[] image = new float[n * voxels * 4];
    int[] labels = new int[n * voxels];
    SplittableRandom r = new SplittableRandom(1);
    for (int b = 0; b < n; b++) {
      for (int z = 0; z < SIZE; z++) {
        for (int y = 0; y < SIZE; y++) {
          for (int x = 0; x < SIZE; x++) {
            int v = (z * SIZE + y) * SIZE + x;
            int d = Math.max(Math.abs(z - 4), Math.max(Math.abs(y - 4), Math.abs(x - 3 - b)));
            int label = d <= 1 ? 1 : d <= 2 ? 2 : 0;
            labels[b * voxels + v] = label;
            for (int m = 0; m < 4; m++) {
              image[(b * voxels + v) * 4 + m] = label * (m + 1) * 0.5f + (float) r.nextGaussian() * 0.1f;
            }
          }
        }
      }
    }
    boolean[] mask = {true, true, true, true, true, false, true, false};
    return new StepBatch(List.of("a", "b"), Map.of(
        StepInputs.IMAGE, FeedArray.of(image, n, SIZE, SIZE, SIZE, 4),
        StepInputs.LABELS, FeedArray.of(labels, n, SIZE, SIZE, SIZE),
        StepInputs.MODALITY_MASK, FeedArray.of(mask, n, 4)));
  }
}
