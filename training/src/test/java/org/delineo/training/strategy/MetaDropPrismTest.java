package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.delineo.graph.Tensors;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalityMaskSampler;
import org.delineo.training.data.brats.ModalitySplitCsv;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.train.TrainingGraph;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;

/**
 * Meta-Drop around PRISM on case-wise missing modalities (UTD data, split CSV): PRISM's adaptive
 * β asks the main batches for an epoch-end feed, which the meta objective must not request, and
 * {@code meta_distillation} decides whether KL and prototype terms enter the meta loss. Tiny
 * network (two levels, 8³ crops), four in-memory cases; the reference meta loss runs two
 * iterations, enough to cross an epoch end (two batches of two per epoch) where β is updated.
 */
class MetaDropPrismTest {
  private static final int SIZE = 8;
  private static final int CLASSES = 3;
  private static final List<String> IDS = List.of("a", "b", "c", "d");

  @TempDir Path dir;

  @Test
  void referenceMetaLossRunsOnUtdDataWithoutDistillationTerms() {
    Set<String> names = train(false, 2);
    assertTrue(names.containsAll(List.of("meta/fuse", "meta/prm", "meta/sep", MetaDropStrategy.META_LOSS)),
        names.toString());
    assertFalse(names.contains("meta/kl"), "meta_distillation false: no KL in the meta loss " + names);
    assertFalse(names.contains("meta/proto"), "meta_distillation false: no prototype term " + names);
    assertFalse(names.stream().anyMatch(n -> n.startsWith("meta/imb_beta")), "no β in the meta loss " + names);
    // The inner (main-batch) objective keeps every term.
    assertTrue(names.containsAll(List.of("kl", "proto", "imb_beta_flair")), names.toString());
  }

  @Test
  void metaDistillationPutsKlAndProtoIntoTheMetaLoss() {
    Set<String> names = train(true, 1);
    assertTrue(names.containsAll(List.of("meta/fuse", "meta/prm", "meta/sep", "meta/kl", "meta/proto",
        "meta/imb_beta_flair", MetaDropStrategy.META_LOSS)), names.toString());
  }

  /** Builds Meta-Drop + PRISM from a config, runs iterations on its own batches; the logged names. */
  private Set<String> train(boolean metaDistillation, int iterations) {
    ModalitySplitCsv.of("split.csv", Map.of("a", 14, "b", 3, "c", 9, "d", 14)).write(dir.resolve("split.csv"));
    ExperimentConfig config = ExperimentConfigLoader.parse(String.format("""
        model { prism_rfnet { basic_dims: 2 crop_size: %d levels: 2 fusion_hidden: 4 } }
        data { root: "%s" batch_size: 2 num_workers: 1 prefetch: 1 crop_size: [%d, %d, %d]
               modality_mask_mode: UTD modality_split_csv: "split.csv" }
        strategy { meta_drop { alpha: 0 meta_mask_mode: UTD meta_batch_size: 1 meta_distillation: %b prism {} } }
        optimizer { adam {} lr: 0.01 }
        schedule { constant {} warmup_steps: 0 total_steps: 10 }
        runtime { seed: 7 }
        """, SIZE, dir, SIZE, SIZE, SIZE, metaDistillation), "test");
    Experiment experiment = Experiment.create(config, List.of());
    MetaDropStrategy strategy = assertInstanceOf(MetaDropStrategy.class, experiment.strategy());
    assertEquals(metaDistillation, strategy.config().getMetaDistillation());
    ModalityMaskSampler sampler = ModalityMaskSampler.fromConfig(config.getData(), config.getRuntime().getSeed());
    TrainingData data = new TrainingData(config, new Volumes(), sampler::maskFor);
    try (Graph g = new Graph();
        StepBatchSource batches = strategy.batches(data, new LoaderPosition(0, 0))) {
      TrainingGraph tg = TrainingGraph.build(g, 5, experiment.model(CLASSES, 4), strategy, experiment.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          new InputNormalization(new float[0], new float[0]), 3, 4);
      assertTrue(tg.inputs().containsKey(PrismStrategy.EPOCH_END), tg.inputs().keySet().toString());
      assertFalse(tg.inputs().containsKey(MetaDropStrategy.META_PREFIX + PrismStrategy.EPOCH_END),
          "the meta objective must not ask for an epoch-end feed: " + tg.inputs().keySet());
      try (Session s = new Session(g)) {
        s.initialize();
        for (int i = 0; i < iterations; i++) {
          float loss = tg.run(s, batches.next(), List.of())[0];
          assertTrue(Float.isFinite(loss), "finite loss at iteration " + i + ": " + loss);
        }
        try (Result r = s.runner().fetch("prism.imb_beta_read").run()) {
          float[] beta = Tensors.toFloats(r.get(0));
          boolean moved = false;
          for (float b : beta) {
            moved |= Math.abs(b - 1f) > 1e-6f;
          }
          // Two batches of two cases make an epoch: β is adapted from its first epoch on.
          assertEquals(iterations >= 2, moved, "β after " + iterations + " iterations: " + Arrays.toString(beta));
        }
      }
      return tg.scalars().keySet();
    }
  }

  /** Four 8³ volumes, four modalities: a cube of class 1 inside a shell of class 2, plus noise. */
  private static final class Volumes implements SegmentationDataset {
    @Override
    public String name() {
      return "volumes";
    }

    @Override
    public List<String> ids(Split split) {
      return split == Split.TRAIN ? IDS : List.of();
    }

    @Override
    public Sample load(String id) {
      int voxels = SIZE * SIZE * SIZE;
      float[] image = new float[voxels * 4];
      int[] labels = new int[voxels];
      SplittableRandom r = new SplittableRandom(id.hashCode());
      int shift = IDS.indexOf(id) % 2;
      for (int z = 0; z < SIZE; z++) {
        for (int y = 0; y < SIZE; y++) {
          for (int x = 0; x < SIZE; x++) {
            int v = (z * SIZE + y) * SIZE + x;
            int d = Math.max(Math.abs(z - 4), Math.max(Math.abs(y - 4), Math.abs(x - 3 - shift)));
            labels[v] = d <= 1 ? 1 : d <= 2 ? 2 : 0;
            for (int m = 0; m < 4; m++) {
              image[v * 4 + m] = labels[v] * (m + 1) * 0.5f + (float) r.nextGaussian() * 0.1f;
            }
          }
        }
      }
      return new Sample(id, image, new int[] {SIZE, SIZE, SIZE, 4}, labels, new int[] {SIZE, SIZE, SIZE},
          new double[] {1, 1, 1});
    }

    @Override
    public int numClasses() {
      return CLASSES;
    }

    @Override
    public int channels() {
      return 4;
    }

    @Override
    public boolean is3d() {
      return true;
    }
  }
}
