package org.delineo.training.train;

import org.delineo.training.eval.CheckpointEvaluation;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.TrainingState;
import org.delineo.training.checkpoint.TrainingStateFile;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.run.RunDirectory;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end trainer behaviour on a tiny UNet: an interrupted and resumed run ends bit-identical to
 * an uninterrupted one (weights, optimizer state, dropout masks, data order, augmentation), and a
 * non-finite loss stops training with the last good checkpoint intact.
 */
class TrainerTest {
  private static final String CONFIG = """
      name: "tiny"
      model { unet { channels: [4, 8, 16, 32, 64] encoder_dropout: [0.1, 0.1, 0.2, 0.2, 0.3] } }
      data { batch_size: 2 num_workers: 2 prefetch: 2 shuffle: true augmentation { flip_prob: 0.5 } }
      loss { terms { weight: 0.5 cross_entropy {} } terms { weight: 0.5 dice { smooth: 1e-5 } } }
      optimizer { adamw { amsgrad: true } lr: 0.01 weight_decay: 1e-4 }
      schedule { poly { power: 0.9 min_lr: 0 } total_steps: 8 warmup_steps: 2 }
      eval { interval_steps: 4 }
      checkpoint { keep_last: 5 }
      runtime { seed: 3 intra_op_threads: 1 inter_op_threads: 1 log_interval_steps: 1 }
      """;

  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws IOException {
    ExperimentConfig config = ExperimentConfigLoader.parse(CONFIG, "test");
    InMemoryDataset data = new InMemoryDataset(6, -1);
    Path straight = dir.resolve("straight");
    Path resumed = dir.resolve("resumed");
    train(config, data, straight, false, 0);
    Trainer.Outcome first = train(config, data, resumed, false, 4);
    assertEquals(4, first.steps());
    Trainer.Outcome second = train(config, data, resumed, true, 0);
    assertEquals(8, second.steps());

    Path a = straight.resolve("checkpoints/ckpt-8");
    Path b = resumed.resolve("checkpoints/ckpt-8");
    // Bit-identical variables (weights, BN statistics, Adam moments, global step).
    assertArrayEquals(Files.readAllBytes(a.resolve("variables.data-00000-of-00001")),
        Files.readAllBytes(b.resolve("variables.data-00000-of-00001")));
    TrainingState sa = TrainingStateFile.read(TrainingStateFile.in(a));
    TrainingState sb = TrainingStateFile.read(TrainingStateFile.in(b));
    assertEquals(sa.getLastLoss(), sb.getLastLoss(), 0.0, "loss of the last step");
    assertEquals(sa.getEpoch(), sb.getEpoch());
    assertEquals(sa.getIndexInEpoch(), sb.getIndexInEpoch());
  }

  @Test
  void mask2formerResumedRunEqualsUninterruptedRun(@TempDir Path dir) throws IOException {
    // Two session runs per step around the Java matching; drop path, the matching points and the loss's
    // importance sampling are all keyed by the global step, so a resume must still be bit-exact.
    ExperimentConfig config = ExperimentConfigLoader.parse(CONFIG, "test").toBuilder()
        .setModel(ExperimentConfigLoader.parse("model { mask2former { backbone { swin { embed_dims: 8"
            + " depths: [1, 1, 1, 1] num_heads: [1, 1, 2, 2] window_size: 2 drop_path_rate: 0.2 } } feat_channels: 16"
            + " num_queries: 4 num_decoder_layers: 2 num_heads: 2 decoder_feedforward_channels: 16 encoder_layers: 1"
            + " encoder_feedforward_channels: 16 encoder_points: 1 norm_groups: 4 train_num_points: 32 } }", "test")
            .getModel())
        .clearLoss().build();
    InMemoryDataset data = new InMemoryDataset(6, -1);
    train(config, data, dir.resolve("straight"), false, 0);
    assertEquals(4, train(config, data, dir.resolve("resumed"), false, 4).steps());
    assertEquals(8, train(config, data, dir.resolve("resumed"), true, 0).steps());
    assertArrayEquals(
        Files.readAllBytes(dir.resolve("straight/checkpoints/ckpt-8/variables.data-00000-of-00001")),
        Files.readAllBytes(dir.resolve("resumed/checkpoints/ckpt-8/variables.data-00000-of-00001")));
  }

  @Test
  void nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) {
    // Batch 1 without shuffling: step k sees sample k-1, so the NaN pixel of s5 arrives at step 6,
    // after the checkpoint of step 4.
    ExperimentConfig config = ExperimentConfigLoader.applyOverrides(ExperimentConfigLoader.parse(CONFIG, "test"),
        List.of("data.batch_size=1", "data.shuffle=false", "data.augmentation.flip_prob=0"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Trainer.Outcome outcome = new Trainer(Experiment.create(config, List.of()), new InMemoryDataset(8, 5),
        RunDirectory.open(mkdirs(dir)), new PrintStream(log, true, StandardCharsets.UTF_8)).train(false);
    assertEquals(5, outcome.steps(), "steps completed before the bad one");
    // Steps count from 1, as the progress lines count them.
    assertTrue(outcome.stopReason().contains("at step 6"), outcome.stopReason());
    assertTrue(outcome.stopReason().contains("ckpt-4"), outcome.stopReason());
    assertEquals(dir.resolve("checkpoints/ckpt-4"), outcome.latestCheckpoint().orElseThrow());
    // The last good checkpoint restores and evaluates.
    CheckpointEvaluation.run(Experiment.create(config, List.of()), new InMemoryDataset(8, -1),
        outcome.latestCheckpoint().get(), org.delineo.training.data.Split.VAL);
  }

  @Test
  void sceneModelsTrainWithTheirAuxiliaryHeads(@TempDir Path dir) {
    // Narrow versions of the PROVE models: one step each, decode + aux losses, --aux-loss lovasz.
    for (String model : List.of(
        "deeplabv3plus { backbone { resnet_v1c { base_channels: 4 } } channels: 8 c1_channels: 4 aux_head { channels: 4 } }",
        "pspnet { backbone { resnet_v1c { base_channels: 4 } } channels: 8 aux_head { channels: 4 } }",
        "hrnet { backbone { hrnet_v2 { width: 4 } } }")) {
      ExperimentConfig config = ExperimentConfigLoader.parse(CONFIG, "test").toBuilder()
          .setModel(ExperimentConfigLoader.parse("model { " + model + " }", "test").getModel())
          .setLoss(ExperimentConfigLoader.parse("loss { aux_loss: LOVASZ }", "test").getLoss())
          .build();
      Trainer.Outcome outcome = train(config, new InMemoryDataset(4, -1), dir.resolve(model.split(" ")[0]), false, 1);
      assertEquals(1, outcome.steps(), model);
      assertTrue(outcome.stopReason().isEmpty(), outcome.stopReason());
    }
  }

  @Test
  void periodicValidationReadsAllModalityMasks(@TempDir Path dir) {
    // The 15-mask validation (its numbers: eval.ValidationTest) needs a model that takes masks;
    // asking for it on the UNet must stop the run naming the field, not validate without masks.
    ExperimentConfig config = ExperimentConfigLoader.applyOverrides(ExperimentConfigLoader.parse(CONFIG, "test"),
        List.of("eval.all_modality_masks=true"));
    ConfigException e = assertThrows(ConfigException.class,
        () -> train(config, new InMemoryDataset(4, -1), dir, false, 1));
    assertTrue(e.getMessage().startsWith("field 'eval.all_modality_masks': expected a model that takes modality"
        + " masks"), e.getMessage());
  }

  private static Trainer.Outcome train(ExperimentConfig config, InMemoryDataset data, Path dir,
      boolean resume, long stopAt) {
    return new Trainer(Experiment.create(config, List.of()), data, RunDirectory.open(mkdirs(dir)),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).train(resume, stopAt);
  }

  private static Path mkdirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
