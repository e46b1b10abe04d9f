package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;

/**
 * Mistakes in {@code model.segnext} and in an MSCAN backbone block are {@link ConfigException}s
 * naming the field, what was expected and what was found, raised before any graph is built.
 */
class SegNeXtConfigTest {
  private static final String TINY_MSCAN =
      "backbone { mscan { embed_dims: [8, 16, 32, 32] depths: [1, 1, 1, 1] } }";

  @Test
  void headWidthsMustBeMultiplesOf32ForGroupNorm() {
    assertFails("segnext { channels: 48 }", "'model.segnext.channels'", "multiple of 32", "found 48");
    assertFails("segnext { ham_channels: 16 }", "'model.segnext.ham_channels'", "multiple of 32", "found 16");
    assertFails("segnext { ham_channels: 0 }", "'model.segnext.ham_channels'", "found 0");
  }

  @Test
  void nmfAndDropoutSettingsAreChecked() {
    assertFails("segnext { md_r: 0 }", "'model.segnext.md_r'", "found 0");
    assertFails("segnext { train_steps: -1 }", "'model.segnext.train_steps'", "found -1");
    assertFails("segnext { eval_steps: -2 }", "'model.segnext.eval_steps'", "found -2");
    assertFails("segnext { dropout: 1 }", "'model.segnext.dropout'", "[0, 1)");
  }

  @Test
  void mscanSettingsAreCheckedUnderTheFamilyThatHoldsThem() {
    assertFails("segnext { backbone { mscan { embed_dims: [8, 16, 32] } } }",
        "'model.segnext.backbone.mscan.embed_dims'", "expected 4 positive values", "[8, 16, 32]");
    assertFails("pspnet { backbone { mscan { embed_dims: [9, 16, 32, 32] } } }",
        "'model.pspnet.backbone.mscan.embed_dims'", "even", "[9, 16, 32, 32]");
    assertFails("hrnet { backbone { mscan { depths: [1, 0, 1, 1] } } }",
        "'model.hrnet.backbone.mscan.depths'", "[1, 0, 1, 1]");
    assertFails("segnext { backbone { mscan { mlp_ratios: [8, 8, 4, 4, 4] } } }",
        "'model.segnext.backbone.mscan.mlp_ratios'", "4 positive values");
    assertFails("segnext { backbone { mscan { drop_path_rate: 1 } } }",
        "'model.segnext.backbone.mscan.drop_path_rate'", "[0, 1)", "found 1.0");
  }

  @Test
  void theNormMustBeBatchOrSyncBatch() {
    assertFails("segnext { " + TINY_MSCAN + " } norm: INSTANCE", "'model.norm'", "BATCH or SYNC_BATCH", "INSTANCE");
  }

  private static void assertFails(String model, String... parts) {
    ConfigException e = assertThrows(ConfigException.class, () -> Experiment.create(
        ExperimentConfigLoader.parse("model { " + model + " }", "test"), List.of()).model(19, 3));
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
    }
  }
}
