package org.delineo.training.strategy;

import java.nio.file.Path;
import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.synth.SyntheticData;
import org.delineo.training.data.synth.SyntheticMedical2d;
import org.delineo.training.data.pipeline.DatasetFactory;

/** A tiny synthetic medical2d set and a tiny SemSim config over it (32² crops, narrow channels). */
final class SemSimFixtures {
  /** Cases written: 4 of them land in TRAIN (6 slices each), one is labeled. */
  static final int CASES = 6;

  private SemSimFixtures() {}

  /** Writes the data under {@code dir} (3 slices of 32 x 32 per frame, 2 frames per case). */
  static void writeData(Path dir) {
    SyntheticData.write(new SyntheticMedical2d(3, 32, 32), dir, CASES, 5);
  }

  /** The tiny experiment over {@code dir} with {@code overrides} applied. */
  static ExperimentConfig config(Path dir, String... overrides) {
    ExperimentConfig base = ExperimentConfigLoader.parse("""
        name: "semsim-tiny"
        model { semsim_unet { channels: [4, 8, 16, 32, 64] encoder_dropout: [0, 0, 0, 0.1, 0.1]
                              sfm { dim: 8 windows: 2 heads: 2 mlp_ratio: 2 } } }
        data { layout: SYNTHETIC_MEDICAL2D root: "%s" batch_size: 2 unlabeled_batch_size: 2
               crop_size: [32, 32] labeled_cases: 1 num_workers: 1 prefetch: 1
               augmentation { flip_prob: 0.5 strong { cutmix_prob: 1 } } }
        strategy { semsim {} }
        optimizer { sgd {} lr: 0.01 weight_decay: 1e-4 }
        schedule { poly {} total_steps: 3 warmup_steps: 0 }
        runtime { seed: 7 intra_op_threads: 1 inter_op_threads: 1 }
        """.formatted(dir.toString().replace("\\", "/")), "test");
    return ExperimentConfigLoader.applyOverrides(base, List.of(overrides));
  }

  /** The dataset the config names. */
  static SegmentationDataset open(ExperimentConfig config) {
    return DatasetFactory.open(config.getData());
  }
}
