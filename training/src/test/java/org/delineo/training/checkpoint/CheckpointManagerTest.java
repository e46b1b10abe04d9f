package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.delineo.proto.MetricRule;
import org.delineo.proto.RandomStreamState;
import org.delineo.proto.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;

/** Restored values must equal the saved ones exactly (tolerance 0). */
class CheckpointManagerTest {
  @TempDir Path dir;

  private static TrainingState state(long step) {
    return TrainingState.newBuilder().setStep(step).setScheduleStep(step).setEpoch(step / 4)
        .setIndexInEpoch(step % 4).setSeed(42).setLastLoss(1.0 / (step + 1))
        .addRandomStreams(RandomStreamState.newBuilder().setName("data.order").setSeed(42)
            .addState(step * 31).addState(-7))
        .build();
  }

  private static float[] weightAt(long step) {
    return new float[] {step, step + 0.25f, -step, 2 * step};
  }

  private static float[] biasAt(long step) {
    return new float[] {step / 2f, 1, -1};
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void savesChangesAndRestoresBothVariablesAndTheState() throws IOException {
    CheckpointManager manager = new CheckpointManager(dir, 3, true, MetricRule.GREATER);
    assertTrue(manager.latest().isEmpty());
    Path saved;
    try (TinyModel model = new TinyModel(true)) {
      model.set(new float[] {1, 2, 3, 4}, new float[] {5, 6, 7});
      saved = manager.save(model.session, state(10), 0.7);
      assertEquals(dir.resolve("ckpt-10"), saved);
      assertTrue(Files.isRegularFile(saved.resolve("variables.index")));
      try (Stream<Path> files = Files.list(saved)) {
        assertEquals(List.of("state.pbtxt", "variables.data-00000-of-00001", "variables.index"),
            files.map(p -> p.getFileName().toString()).sorted().toList());
      }

      model.set(new float[] {0, 0, 0, 0}, new float[] {0, 0, 0});
      assertArrayEquals(new float[] {0, 0, 0, 0}, model.weightValues());
      TrainingState restored = manager.restore(model.session, manager.latest().orElseThrow());
      assertArrayEquals(new float[] {1, 2, 3, 4}, model.weightValues());
      assertArrayEquals(new float[] {5, 6, 7}, model.biasValues());
      assertEquals(10, restored.getStep());
      assertEquals(2, restored.getEpoch());
      assertEquals(2, restored.getIndexInEpoch());
      assertEquals(42, restored.getSeed());
      assertEquals(List.of(310L, -7L), restored.getRandomStreams(0).getStateList());
      assertEquals(1.0 / 11, restored.getLastLoss());
      assertEquals(0.7, restored.getMetric());
      assertEquals(0.7, restored.getBestMetric());
      assertEquals(10, restored.getBestStep());
      assertTrue(restored.getWallTime() > 1.6e9, "stamped with the save time");
    }
    // A fresh graph built by the same code, never initialised, restores from the directory alone.
    try (TinyModel fresh = new TinyModel(false)) {
      TrainingState state = CheckpointManager.restoreCheckpoint(fresh.session, saved);
      assertArrayEquals(new float[] {1, 2, 3, 4}, fresh.weightValues());
      assertArrayEquals(new float[] {5, 6, 7}, fresh.biasValues());
      assertEquals(10, state.getStep());
    }
  }

  @Test
  void keepsTheLastNAndTheBest() throws IOException {
    CheckpointManager manager = new CheckpointManager(dir, 2, true, MetricRule.GREATER);
    double[] metrics = {0.5, 0.9, 0.6, 0.7, 0.8};
    try (TinyModel model = new TinyModel(true)) {
      for (int step = 1; step <= 5; step++) {
        model.set(weightAt(step), biasAt(step));
        manager.save(model.session, state(step), metrics[step - 1]);
      }
      // Last two are 4 and 5; step 2 (0.9) is the best and kept although older.
      assertEquals(List.of("checkpoint", "ckpt-2", "ckpt-4", "ckpt-5"), names());
      assertEquals(dir.resolve("ckpt-5"), manager.latest().orElseThrow());
      assertEquals(dir.resolve("ckpt-2"), manager.best().orElseThrow());
      assertEquals(0.9, manager.bestMetric().orElseThrow());
      String index = Files.readString(dir.resolve(CheckpointManager.INDEX_FILE));
      assertTrue(index.contains("latest: \"ckpt-5\"") && index.contains("best: \"ckpt-2\""), index);

      manager.restore(model.session, manager.best().orElseThrow());
      assertArrayEquals(weightAt(2), model.weightValues());
      assertEquals(2, TrainingStateFile.read(dir.resolve("ckpt-5/state.pbtxt")).getBestStep());

      // A new best replaces the old one, which is then no longer protected.
      model.set(weightAt(6), biasAt(6));
      manager.save(model.session, state(6), 0.95);
      assertEquals(List.of("checkpoint", "ckpt-5", "ckpt-6"), names());
      assertEquals(dir.resolve("ckpt-6"), manager.best().orElseThrow());

      // No metric: never the best. Equal metric: not strictly better.
      manager.save(model.session, state(7), null);
      manager.save(model.session, state(8), 0.95);
      assertEquals(dir.resolve("ckpt-6"), manager.best().orElseThrow());
      assertEquals(List.of("checkpoint", "ckpt-6", "ckpt-7", "ckpt-8"), names());
    }
  }

  @Test
  void bestAndLatestAliasesResolveThroughTheIndex() throws IOException {
    CheckpointManager manager = new CheckpointManager(dir, 2, true, MetricRule.GREATER);
    try (TinyModel model = new TinyModel(true)) {
      manager.save(model.session, state(1), 0.9);
      manager.save(model.session, state(2), 0.4);
    }
    assertEquals(dir.resolve("ckpt-1"), CheckpointManager.resolve(dir.resolve("best")));
    assertEquals(dir.resolve("ckpt-2"), CheckpointManager.resolve(dir.resolve("latest")));
    assertEquals(dir.resolve("ckpt-2"), CheckpointManager.resolve(dir.resolve("ckpt-2")), "a directory as is");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    DelineoException e = assertThrows(DelineoException.class,
        () -> CheckpointManager.resolve(empty.resolve("best")));
    assertTrue(e.getMessage().contains("names no complete best checkpoint"), e.getMessage());
  }

  @Test
  void lessRuleKeepAllAndSameStepReplacement() throws IOException {
    CheckpointManager less = new CheckpointManager(dir.resolve("less"), 1, true, MetricRule.LESS);
    CheckpointManager all = new CheckpointManager(dir.resolve("all"), 0, false, MetricRule.GREATER);
    try (TinyModel model = new TinyModel(true)) {
      double[] losses = {3, 1, 2};
      for (int step = 1; step <= 3; step++) {
        model.set(weightAt(step), biasAt(step));
        less.save(model.session, state(step), losses[step - 1]);
        all.save(model.session, state(step), losses[step - 1]);
      }
      assertEquals(dir.resolve("less/ckpt-2"), less.best().orElseThrow());
      assertEquals(2, less.checkpoints().size(), "last one plus the best");
      assertEquals(3, all.checkpoints().size(), "keep_last 0 keeps all");

      model.set(weightAt(9), biasAt(9));
      all.save(model.session, state(3), null);
      model.set(weightAt(0), biasAt(0));
      all.restore(model.session, all.latest().orElseThrow());
      assertArrayEquals(weightAt(9), model.weightValues(), "a second save of a step replaces it");
      try (Stream<Path> s = Files.list(dir.resolve("all"))) {
        assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-")));
      }
    }
  }

  @Test
  void reopeningFindsLatestAndBestEvenWithoutTheIndex() throws IOException {
    try (TinyModel model = new TinyModel(true)) {
      CheckpointManager first = new CheckpointManager(dir, 2, true, MetricRule.GREATER);
      first.save(model.session, state(1), 0.3);
      first.save(model.session, state(2), 0.8);
      first.save(model.session, state(3), 0.4);
      first.save(model.session, state(4), 0.5);
    }
    CheckpointManager reopened = new CheckpointManager(dir, 2, true, MetricRule.GREATER);
    assertEquals(dir.resolve("ckpt-4"), reopened.latest().orElseThrow());
    assertEquals(dir.resolve("ckpt-2"), reopened.best().orElseThrow());
    assertEquals(0.8, reopened.bestMetric().orElseThrow());

    Files.writeString(dir.resolve(CheckpointManager.INDEX_FILE), "latest: \"ckpt-4\" {{ garbage");
    CheckpointManager rebuilt = new CheckpointManager(dir, 2, true, MetricRule.GREATER);
    assertEquals(dir.resolve("ckpt-4"), rebuilt.latest().orElseThrow(), "highest step present");
    assertEquals(dir.resolve("ckpt-2"), rebuilt.best().orElseThrow(), "from the latest state");
    assertEquals(0.8, rebuilt.bestMetric().orElseThrow());
  }

  /** Stands for the process dying: an Error, which save does not clean up after. */
  private static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;
  }

  @Test
  void aCrashAtAnyStageLeavesThePreviousCheckpointLatestAndLoadable() throws IOException {
    for (CheckpointManager.Stage stage : CheckpointManager.Stage.values()) {
      Path sub = dir.resolve(stage.name());
      try (TinyModel model = new TinyModel(true)) {
        CheckpointManager manager = new CheckpointManager(sub, 3, true, MetricRule.GREATER);
        model.set(weightAt(1), biasAt(1));
        manager.save(model.session, state(1), 0.5);
        model.set(weightAt(2), biasAt(2));
        manager.onStage((reached, path) -> {
          if (reached == stage) {
            throw new SimulatedCrash();
          }
        });
        assertThrows(SimulatedCrash.class, () -> manager.save(model.session, state(2), 0.9));
        try (Stream<Path> s = Files.list(sub)) {
          List<String> left = s.map(p -> p.getFileName().toString()).sorted().toList();
          if (stage == CheckpointManager.Stage.RENAMED) {
            assertTrue(left.contains("ckpt-2"), "renamed but not yet indexed: " + left);
          } else {
            assertTrue(left.stream().anyMatch(n -> n.startsWith(".tmp-ckpt-2-")),
                "the crash left its temporary directory: " + left);
            assertFalse(left.contains("ckpt-2"), left.toString());
          }
        }
      }
      try (TinyModel restarted = new TinyModel(false)) {
        CheckpointManager manager = new CheckpointManager(sub, 3, true, MetricRule.GREATER);
        assertEquals(sub.resolve("ckpt-1"), manager.latest().orElseThrow(), stage.name());
        assertEquals(sub.resolve("ckpt-1"), manager.best().orElseThrow(), stage.name());
        TrainingState state = manager.restore(restarted.session, manager.latest().orElseThrow());
        assertEquals(1, state.getStep());
        assertArrayEquals(weightAt(1), restarted.weightValues(), stage.name());
        assertArrayEquals(biasAt(1), restarted.biasValues(), stage.name());
        try (Stream<Path> s = Files.list(sub)) {
          assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-")),
              "temporaries removed on open after a crash at " + stage);
        }
      }
    }
  }

  @Test
  void leftoverPartialTemporariesAreIgnoredAndCleaned() throws IOException {
    try (TinyModel model = new TinyModel(true)) {
      model.set(weightAt(1), biasAt(1));
      new CheckpointManager(dir, 3, true, MetricRule.GREATER).save(model.session, state(1), null);
    }
    // What a crash mid-write leaves: a partial checkpoint directory with a truncated index file
    // and a half-written state, and a half-written index file.
    Path partial = Files.createDirectory(dir.resolve(".tmp-ckpt-2-5eed"));
    Files.write(partial.resolve("variables.index"), new byte[] {0x01, 0x02, (byte) 0xff});
    Files.writeString(partial.resolve("state.pbtxt"), "step: 2\nepoch: ");
    Files.writeString(dir.resolve(".tmp-checkpoint-77"), "latest: \"ckpt-2");

    try (TinyModel restarted = new TinyModel(false)) {
      CheckpointManager manager = new CheckpointManager(dir, 3, true, MetricRule.GREATER);
      assertEquals(List.of("checkpoint", "ckpt-1"), names());
      manager.restore(restarted.session, manager.latest().orElseThrow());
      assertArrayEquals(weightAt(1), restarted.weightValues());
    }
  }

  @Test
  void anOrdinaryFailureCleansUpAndReportsTheCheckpoint() throws IOException {
    try (TinyModel model = new TinyModel(true)) {
      CheckpointManager manager = new CheckpointManager(dir, 3, true, MetricRule.GREATER);
      manager.save(model.session, state(1), null);
      manager.onStage((reached, path) -> {
        throw new IllegalStateException("disk full");
      });
      DelineoException e = assertThrows(DelineoException.class,
          () -> manager.save(model.session, state(2), null));
      assertTrue(e.getMessage().contains("ckpt-2") && e.getMessage().contains("disk full"),
          e.getMessage());
      assertEquals(List.of("checkpoint", "ckpt-1"), names());
      assertEquals(dir.resolve("ckpt-1"), manager.latest().orElseThrow());
    }
  }

  @Test
  void damagedCheckpointsFailWithTheirPath() throws IOException {
    try (TinyModel model = new TinyModel(true)) {
      CheckpointManager manager = new CheckpointManager(dir, 3, true, MetricRule.GREATER);
      Path ckpt = manager.save(model.session, state(1), null);
      DelineoException missing = assertThrows(DelineoException.class,
          () -> manager.restore(model.session, dir.resolve("ckpt-99")));
      assertTrue(missing.getMessage().contains("ckpt-99"), missing.getMessage());

      Files.writeString(ckpt.resolve("state.pbtxt"), "step: \"not a number\"");
      DelineoException corrupt = assertThrows(DelineoException.class,
          () -> manager.restore(model.session, ckpt));
      assertTrue(corrupt.getMessage().contains("state.pbtxt"), corrupt.getMessage());

      Files.writeString(ckpt.resolve("state.pbtxt"), "step: 1");
      Files.write(ckpt.resolve("variables.index"), new byte[] {1, 2, 3});
      DelineoException badVariables = assertThrows(DelineoException.class,
          () -> manager.restore(model.session, ckpt));
      assertTrue(badVariables.getMessage().contains(ckpt.toString()), badVariables.getMessage());
    }
  }

  /** A graph whose variables differ from the checkpoint's: one line listing them, before TensorFlow's restore. */
  @Test
  void aCheckpointThatDoesNotFitTheGraphFailsListingTheVariables() throws IOException {
    Path ckpt;
    try (TinyModel model = new TinyModel(true)) {
      ckpt = new CheckpointManager(dir, 3, true, MetricRule.GREATER).save(model.session, state(1), null);
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 3);
      ctx.variables().variable("net.weight", Shape.of(2, 3), Initializers.zeros(), VariableKind.WEIGHT);
      ctx.variables().variable("net.bias", Shape.of(3), Initializers.zeros(), VariableKind.BIAS);
      ctx.variables().variable("aux.scale", Shape.of(1), Initializers.zeros(), VariableKind.WEIGHT);
      DelineoException e = assertThrows(DelineoException.class, () -> CheckpointManager.restoreCheckpoint(s, ckpt));
      assertEquals("checkpoint " + ckpt.resolve("variables") + " does not fit the model: 2 variables differ: "
          + "net.weight: expected [2, 3] float32, found [2, 2] float32; aux.scale: missing from the checkpoint",
          e.getMessage());
    }
  }

  /**
   * A recording manager writes the record given for the stamped state into the checkpoint while it
   * is still a temporary directory (so the checkpoint appears with it or not at all); the files
   * hold exactly what the record says, and a crash right after leaves no checkpoint and no record.
   */
  @Test
  void theRecordIsWrittenInsideTheCheckpointBeforeItAppears() throws IOException {
    CheckpointManager manager = new CheckpointManager(dir, 0, false, MetricRule.GREATER);
    manager.recordWith(s -> new org.delineo.serving.ModelRecord("name: \"step-" + s.getStep() + "\"\n",
        "{\"checkpoint_step\": " + s.getStep() + "}\n"));
    List<String> inTemporary = new java.util.ArrayList<>();
    manager.onStage((reached, path) -> {
      if (reached == CheckpointManager.Stage.STATE_WRITTEN) {
        assertFalse(path.getFileName().toString().startsWith("ckpt-"), "still the temporary directory");
        for (String name : List.of("config.pbtxt", "provenance.json")) {
          if (Files.isRegularFile(path.resolve(name))) {
            inTemporary.add(name);
          }
        }
      }
    });
    try (TinyModel model = new TinyModel(true)) {
      Path saved = manager.save(model.session, state(4), null);
      assertEquals(List.of("config.pbtxt", "provenance.json"), inTemporary);
      assertEquals("name: \"step-4\"\n", Files.readString(saved.resolve("config.pbtxt")));
      assertEquals("{\"checkpoint_step\": 4}\n", Files.readString(saved.resolve("provenance.json")));

      manager.onStage((reached, path) -> {
        if (reached == CheckpointManager.Stage.STATE_WRITTEN) {
          throw new IllegalStateException("simulated failure");
        }
      });
      assertThrows(DelineoException.class, () -> manager.save(model.session, state(8), null));
      assertEquals(List.of("checkpoint", "ckpt-4"), names(), "no checkpoint 8 and no stray record");
    }
  }
}
