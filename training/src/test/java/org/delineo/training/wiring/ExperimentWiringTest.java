package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.delineo.losses.HeadLosses;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Registries resolve config names, unknown names list the valid ones, ablations override bindings. */
class ExperimentWiringTest {
  private static final ExperimentConfig CONFIG = ExperimentConfigLoader.parse(
      "model { unet {} } loss { terms { weight: 0.5 cross_entropy {} } terms { weight: 0.5 dice {} } }", "test");

  @Test
  void noDiceLeavesCrossEntropyOnly() {
    // Uniform logits over K = 3 classes: CE = ln 3 at every pixel, whatever the labels.
    double withoutDice = total(Experiment.create(CONFIG, List.of("no-dice")).losses());
    assertEquals(0.5 * Math.log(3), withoutDice, 1e-6);
    double withDice = total(Experiment.create(CONFIG, List.of()).losses());
    assertTrue(withDice > withoutDice + 0.1, "the Dice term adds a positive amount: " + withDice);
  }

  @Test
  void buildsTheConfiguredModelAndStrategy() {
    Experiment e = Experiment.create(CONFIG, List.of());
    assertEquals("unet", e.modelName());
    assertEquals("unet", e.model(4, 1).name());
    assertEquals("supervised", e.strategy().name());
    assertTrue(Experiment.registeredModels().containsKey("unet"));
  }

  @Test
  void unknownNamesListTheValidOnes() {
    ConfigException ablation = assertThrows(ConfigException.class,
        () -> Experiment.create(CONFIG, List.of("no-dcie")));
    assertTrue(ablation.getMessage().contains("no-dcie") && ablation.getMessage().contains("no-dice"),
        ablation.getMessage());
    // mask2former was the example of an unknown model until issue 15 registered it.
    ExperimentConfig unknown = ExperimentConfigLoader.parse("model { name: \"maskformer_r50\" }", "test");
    ConfigException model = assertThrows(ConfigException.class,
        () -> Experiment.create(unknown, List.of()).model(19, 3));
    assertTrue(model.getMessage().contains("maskformer_r50") && model.getMessage().contains("unet"),
        model.getMessage());
    ExperimentConfig noModel = ExperimentConfigLoader.parse("name: \"x\"", "test");
    ConfigException none = assertThrows(ConfigException.class,
        () -> Experiment.create(noModel, List.of()).modelName());
    assertTrue(none.getMessage().contains("unet"), none.getMessage());
  }

  private static double total(HeadLosses losses) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> logits = tf.zeros(tf.constant(new int[] {1, 2, 2, 3}), TFloat32.class);
      Map<String, Operand<TFloat32>> values =
          losses.build(tf, Map.of("decode", logits), tf.constant(new int[][][] {{{0, 1}, {2, 1}}}), null);
      try (Session s = new Session(g); Result r = s.runner().fetch(values.get("loss")).run()) {
        return Tensors.toFloats(r, 0)[0];
      }
    }
  }
}
