package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.junit.jupiter.api.Test;

/** Field paths and values of config differences, written out by hand from the two texts. */
class ConfigDiffTest {
  private static ExperimentConfig parse(String text) {
    return ExperimentConfigLoader.parse(text, "test");
  }

  private static List<String> diff(String before, String after) {
    return ConfigDiff.between(parse(before), parse(after)).stream().map(ConfigDiff.Change::toString).toList();
  }

  @Test
  void equalConfigsHaveNoDifferences() {
    String text = "model { unet { channels: [4, 8] } } loss { terms { weight: 0.5 dice {} } }";
    assertEquals(List.of(), diff(text, text));
  }

  @Test
  void nestedScalarsRepeatedScalarsAndEnumsByPath() {
    assertEquals(List.of("model.num_classes: 5 -> 7", "model.unet.channels: [4, 8] -> [4, 8, 16]",
            "runtime.device: CPU -> GPU"),
        diff("model { num_classes: 5 unet { channels: [4, 8] } } runtime { device: CPU }",
            "model { num_classes: 7 unet { channels: [4, 8, 16] } } runtime { device: GPU }"));
  }

  @Test
  void repeatedMessagesElementByElement() {
    assertEquals(List.of("loss.terms[1].weight: 0.5 -> 0.25", "loss.terms[2]: (unset) -> { weight: 1.0 focal { } }"),
        diff("loss { terms { weight: 0.5 cross_entropy {} } terms { weight: 0.5 dice {} } }",
            "loss { terms { weight: 0.5 cross_entropy {} } terms { weight: 0.25 dice {} }"
                + " terms { weight: 1 focal {} } }"));
  }

  @Test
  void presenceIsADifferenceEvenAtTheDefaultValue() {
    // schedule.total_steps defaults to 15000: set versus unset still differs.
    assertEquals(List.of("schedule.total_steps: (unset) -> 15000"),
        diff("schedule { warmup_steps: 0 }", "schedule { warmup_steps: 0 total_steps: 15000 }"));
    // A message switched on with defaults only (e.g. a oneof member) shows as set.
    assertEquals(List.of("schedule.constant: (unset) -> (set)"),
        diff("schedule { warmup_steps: 0 }", "schedule { warmup_steps: 0 constant {} }"));
  }

  @Test
  void aMessagePresentOnOneSideListsItsNonDefaultFields() {
    // optimizer.lr's schema default is 0.01.
    assertEquals(List.of("optimizer: (unset) -> (set)", "optimizer.lr: 0.01 -> 0.5"),
        diff("name: \"a\"", "name: \"a\" optimizer { lr: 0.5 weight_decay: 0.0005 }"));
  }

  @Test
  void stringsAreQuoted() {
    assertEquals(List.of("name: \"a\" -> \"b\""), diff("name: \"a\"", "name: \"b\""));
  }

  @Test
  void differentMessageTypesAreRejected() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ConfigDiff.between(parse(""), parse("").getModel())).getMessage().contains("cannot compare"));
  }
}
