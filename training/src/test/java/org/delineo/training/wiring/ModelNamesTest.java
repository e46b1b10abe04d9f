package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;

/** The issue's model names, family blocks as aliases, and the errors for wrong names and norms. */
class ModelNamesTest {

  private static Experiment experiment(String text) {
    return Experiment.create(ExperimentConfigLoader.parse(text, "test"), List.of());
  }

  @Test
  void registeredUnderTheIssueNames() {
    assertTrue(Experiment.registeredModels().keySet().containsAll(
        List.of("deeplabv3plus_r50", "pspnet_r50", "hrnet_w48", "segformer_mit_b3", "unet")), Experiment.registeredModels().keySet().toString());
  }

  @Test
  void nameFamilyBlockOrBothSelectTheModel() {
    assertEquals("pspnet_r50", experiment("model { name: \"pspnet_r50\" }").modelName());
    assertEquals("pspnet_r50", experiment("model { pspnet {} }").modelName());
    assertEquals("hrnet_w48", experiment("model { name: \"hrnet\" }").modelName(), "family name as an alias");
    assertEquals("segformer_mit_b3", experiment("model { segformer {} }").modelName());
    assertEquals("segformer_mit_b3", experiment("model { name: \"segformer\" }").modelName());
    assertEquals("deeplabv3plus_r50",
        experiment("model { name: \"deeplabv3plus_r50\" deeplabv3plus { channels: 8 } }").modelName());
  }

  @Test
  void segnextIsRegisteredAsSegnextMscanB() {
    assertEquals("segnext_mscan_b", experiment("model { segnext {} }").modelName());
    assertEquals("segnext_mscan_b", experiment("model { name: \"segnext\" }").modelName(), "family name as an alias");
    assertEquals("segnext_mscan_b", experiment("model { name: \"segnext_mscan_b\" segnext { channels: 256 } }")
        .modelName());
  }

  @Test
  void unknownOrConflictingNamesAreConfigErrors() {
    ConfigException unknown = assertThrows(ConfigException.class,
        () -> experiment("model { name: \"pspnet_r101\" }").modelName());
    assertTrue(unknown.getMessage().contains("pspnet_r101") && unknown.getMessage().contains("pspnet_r50")
        && unknown.getMessage().contains("hrnet_w48"), unknown.getMessage());
    ConfigException conflict = assertThrows(ConfigException.class,
        () -> experiment("model { name: \"pspnet_r50\" hrnet {} }").modelName());
    assertTrue(conflict.getMessage().contains("model.pspnet") && conflict.getMessage().contains("model.hrnet"),
        conflict.getMessage());
  }

  @Test
  void mask2formerIsRegisteredAsMask2formerSwinB() {
    // Before issue 15 the block was an unknown field and the name an unknown model.
    assertEquals("mask2former_swin_b", experiment("model { mask2former {} }").modelName());
    assertEquals("mask2former_swin_b", experiment("model { name: \"mask2former\" }").modelName(),
        "family name as an alias");
    assertEquals("mask2former_swin_b",
        experiment("model { name: \"mask2former_swin_b\" mask2former { num_queries: 10 } }").modelName());
  }

  @Test
  void syncBatchNormBuildsTheBatchNormModelWhileOtherNormsAreRejected() {
    // SYNC_BATCH is the batch-norm model itself: its layers synchronise only across towers.
    assertEquals(experiment("model { name: \"pspnet_r50\" }").model(19, 3).name(),
        experiment("model { name: \"pspnet_r50\" norm: SYNC_BATCH }").model(19, 3).name());
    ConfigException group = assertThrows(ConfigException.class,
        () -> experiment("model { hrnet {} norm: GROUP }").model(19, 3));
    assertTrue(group.getMessage().contains("model.norm") && group.getMessage().contains("GROUP"), group.getMessage());
  }
}
