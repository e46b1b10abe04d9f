package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.junit.jupiter.api.Test;

/** Which config changes a resume refuses, which it accepts with --force, and what it says. */
class ResumeConfigCheckTest {
  private static final String RECORDED = "model { unet { channels: [4, 8] } } schedule { total_steps: 8 }"
      + " eval { interval_steps: 4 } runtime { seed: 3 }";

  private static ExperimentConfig with(String... overrides) {
    return ExperimentConfigLoader.applyOverrides(ExperimentConfigLoader.parse(RECORDED, "test"), List.of(overrides));
  }

  @Test
  void identicalConfigsPass() {
    assertEquals(List.of(), ResumeConfigCheck.check(with(), with(), "W/config.pbtxt", false));
  }

  @Test
  void harmlessChangesNeedForce() {
    ExperimentConfig proposed = with("schedule.total_steps=12", "eval.interval_steps=2", "early_stopping.patience=9",
        "export.model_name=x", "runtime.intra_op_threads=2");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ResumeConfigCheck.check(with(), proposed, "W/config.pbtxt", false));
    assertTrue(e.getMessage().contains("W/config.pbtxt") && e.getMessage().contains("--force"), e.getMessage());
    assertTrue(e.getMessage().contains("schedule.total_steps: 8 -> 12 (also the poly decay's horizon"), e.getMessage());
    assertEquals(List.of("schedule.total_steps", "eval.interval_steps", "early_stopping", "early_stopping.patience",
            "export", "export.model_name", "runtime.intra_op_threads"),
        ResumeConfigCheck.check(with(), proposed, "W/config.pbtxt", true).stream()
            .map(ConfigDiff.Change::path).sorted(ResumeConfigCheckTest::byFieldNumber).toList());
  }

  @Test
  void aRunMayContinueOnAnotherNumberOfTowersWithForce() {
    ExperimentConfig proposed = with("runtime.replicas=2", "runtime.replica_devices=/device:CPU:0,/device:CPU:1");
    assertThrows(ConfigException.class, () -> ResumeConfigCheck.check(with(), proposed, "W/config.pbtxt", false));
    assertEquals(List.of("runtime.replica_devices", "runtime.replicas"),
        ResumeConfigCheck.check(with(), proposed, "W/config.pbtxt", true).stream()
            .map(ConfigDiff.Change::path).sorted(ResumeConfigCheckTest::byFieldNumber).toList());
  }

  @Test
  void graphOrDataChangesAreRefusedEvenWithForceAndAllListed() {
    ExperimentConfig proposed = with("model.unet.channels=[4, 16]", "runtime.seed=4", "schedule.total_steps=12");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ResumeConfigCheck.check(with(), proposed, "W/config.pbtxt", true));
    assertTrue(e.getMessage().contains("model.unet.channels: [4, 8] -> [4, 16]"), e.getMessage());
    assertTrue(e.getMessage().contains("runtime.seed: 3 -> 4"), e.getMessage());
    assertFalse(e.getMessage().contains("total_steps"), "only the refused ones: " + e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");
  }

  @Test
  void allowListMatchesWholeFieldNamesOnly() {
    assertTrue(ResumeConfigCheck.isHarmless("early_stopping.patience"));
    assertTrue(ResumeConfigCheck.isHarmless("export"));
    assertFalse(ResumeConfigCheck.isHarmless("eval.interval_steps_extra"));
    assertFalse(ResumeConfigCheck.isHarmless("eval.mode"));
    assertFalse(ResumeConfigCheck.isHarmless("checkpoint.monitor"));
    assertFalse(ResumeConfigCheck.isHarmless("schedule.warmup_steps"));
  }

  /** Sections in the order of ExperimentConfig's field numbers, so the expected list reads naturally. */
  private static int byFieldNumber(String a, String b) {
    List<String> order = List.of("schedule", "eval", "early_stopping", "export", "runtime");
    int c = Integer.compare(order.indexOf(a.split("\\.")[0]), order.indexOf(b.split("\\.")[0]));
    return c != 0 ? c : a.compareTo(b);
  }
}
