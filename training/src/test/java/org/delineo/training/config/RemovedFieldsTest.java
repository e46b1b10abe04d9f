package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.junit.jupiter.api.Test;

/**
 * Fields removed from the schema: the value every older run recorded for them is skipped, so
 * those run directories still load; any other value, or setting one with --set, is an error that
 * names the field and says why it went.
 */
class RemovedFieldsTest {
  /** What a run recorded before the removals: every default written out, as withExplicitDefaults does. */
  private static final String RECORDED = """
      name: "old"
      model { num_classes: 0 norm: BATCH norm_groups: 32 unet { channels: [4, 8] } }
      data { root: "d" synthetic_samples: 64 batch_size: 2 }
      export { warmup_requests: 1 output_probabilities: true }
      """;
  private static final String CURRENT = """
      name: "old"
      model { num_classes: 0 norm: BATCH unet { channels: [4, 8] } }
      data { root: "d" batch_size: 2 }
      export { warmup_requests: 1 }
      """;

  @Test
  void aRecordedConfigStillLoadsWithoutTheRemovedFields() {
    assertEquals(ExperimentConfigLoader.parse(CURRENT, "current"), ExperimentConfigLoader.parse(RECORDED, "recorded"));
  }

  @Test
  void anyOtherValueIsAnErrorNamingTheFieldAndWhyItWent() {
    ConfigException groups = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse(RECORDED.replace("norm_groups: 32", "norm_groups: 16"), "c.pbtxt"));
    assertEquals("c.pbtxt:2:36: field 'model.norm_groups': removed from the schema (no model family builds"
        + " GROUP norm); delete it", groups.getMessage());
    ConfigException metrics = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("eval { metrics: \"dice\" }", "c.pbtxt"));
    assertTrue(metrics.getMessage().startsWith("c.pbtxt:1:8: field 'eval.metrics': removed from the schema"),
        metrics.getMessage());
  }

  @Test
  void aRealUnknownFieldBesideARecordedOneIsTheOneReported() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse(RECORDED.replace("batch_size: 2", "batch_sise: 2"), "c.pbtxt"));
    assertTrue(e.getMessage().startsWith("c.pbtxt:3:40: unknown field 'data.batch_sise'"), e.getMessage());
  }

  @Test
  void setNamesTheRemovedField() {
    ConfigException e = assertThrows(ConfigException.class, () -> ExperimentConfigLoader.applyOverrides(
        ExperimentConfig.getDefaultInstance(), List.of("data.synthetic_samples=64")));
    assertTrue(e.getMessage().contains("field 'data.synthetic_samples': removed from the schema (synthetic datasets"
        + " are the files `delineo data synth --cases N` writes); delete it"), e.getMessage());
  }

  @Test
  void everyListedFieldIsReservedInItsMessage() {
    for (RemovedFields.Removed removed : RemovedFields.ALL) {
      String[] path = removed.path().split("\\.");
      Descriptor type = ExperimentConfig.getDescriptor();
      for (int i = 0; i < path.length - 1; i++) {
        type = type.findFieldByName(path[i]).getMessageType();
      }
      String name = path[path.length - 1];
      assertNull(type.findFieldByName(name), removed.path());
      assertTrue(type.isReservedName(name), removed.path() + " is reserved");
    }
  }
}
