package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.junit.jupiter.api.Test;

/** Which differences from a checkpoint's recorded config eval and export refuse, and what they say. */
class ModelConfigCheckTest {
  private static final String RECORDED = "model { unet { channels: [4, 8] } }"
      + " data { layout: SYNTHETIC_SCENES2D root: \"/data/a\" } optimizer { lr: 0.02 }";

  private static ExperimentConfig with(String... overrides) {
    return ExperimentConfigLoader.applyOverrides(ExperimentConfigLoader.parse(RECORDED, "test"), List.of(overrides));
  }

  @Test
  void differencesOutsideTheGraphAndWrittenDefaultsPass() {
    // A recorded config has every default written out; a hand-written file leaves them out.
    ExperimentConfig recorded = ExperimentConfigLoader.withExplicitDefaults(with());
    assertDoesNotThrow(() -> ModelConfigCheck.check(recorded, with(), "C/config.pbtxt"));
    assertDoesNotThrow(() -> ModelConfigCheck.check(recorded, with("data.root=/elsewhere", "optimizer.lr=0.5",
        "schedule.total_steps=9", "export.warmup_requests=0", "eval.max_cases=2", "data.test_resize=[64, 64]",
        "model.init_checkpoint=/pretrained.npz", "model.init_checkpoint_strict=true"), "C/config.pbtxt"));
  }

  @Test
  void modelAndInputNormalisationDifferencesAreRefusedInOneLine() {
    for (String[] change : new String[][] {
        {"model.unet.channels=[4, 16]", "model.unet.channels: [4, 8] -> [4, 16]"},
        {"model.num_classes=7", "model.num_classes: 0 -> 7"},
        {"model.norm=INSTANCE", "model.norm: BATCH -> INSTANCE"},
        {"data.layout=SYNTHETIC_MEDICAL2D", "data.layout: SYNTHETIC_SCENES2D -> SYNTHETIC_MEDICAL2D"},
        {"data.mean=[1, 2, 3]", "data.mean: [] -> [1.0, 2.0, 3.0]"},
        {"data.std=[2, 2, 2]", "data.std: [] -> [2.0, 2.0, 2.0]"}}) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> ModelConfigCheck.check(with(), with(change[0], "optimizer.lr=0.5"), "C/config.pbtxt"), change[0]);
      assertTrue(e.getMessage().contains("C/config.pbtxt") && e.getMessage().contains(change[1]), e.getMessage());
      assertTrue(!e.getMessage().contains("optimizer.lr") && !e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void anotherModelFamilyIsRefused() {
    ExperimentConfig pspnet = ExperimentConfigLoader.parse("model { pspnet { } }", "test");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ModelConfigCheck.check(with(), pspnet, "C/config.pbtxt"));
    assertTrue(e.getMessage().contains("model.unet: (set) -> (unset)"), e.getMessage());
    assertTrue(e.getMessage().contains("model.pspnet: (unset) -> (set)"), e.getMessage());
    assertEquals(true, ModelConfigCheck.definesGraph("model.pspnet.encoder"));
  }
}
