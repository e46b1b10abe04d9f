package org.delineo.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * SLIDE evaluation through the graph: a window covering the whole image is one window, whose
 * averaged softmax has the arg-max of the WHOLE path (exact); smaller windows give a label per pixel.
 */
class EvaluatorSlideTest {
  private static final String BASE = "model { unet { channels: [4, 8, 16, 32, 64] } } ";

  @Test
  void slideWithTheImageAsWindowEqualsWhole() {
    Sample s = new InMemoryDataset(2, -1).load("s0");
    int size = InMemoryDataset.SIZE;
    int[] whole = predict(BASE, s);
    int[] slid = predict(BASE + "eval { mode: SLIDE window: [" + size + ", " + size + "] }", s);
    assertArrayEquals(whole, slid);
    int[] small = predict(BASE + "eval { mode: SLIDE window: [8, 8] stride: [4, 4] }", s);
    assertTrue(small.length == size * size && java.util.Arrays.stream(small).allMatch(c -> c == 0 || c == 1));
  }

  @Test
  void slideWithoutWindowOrCropIsAConfigError() {
    ExperimentConfig config = ExperimentConfigLoader.parse(BASE + "eval { mode: SLIDE }", "test");
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, Mode.EVAL, 1);
      InferenceGraph g = InferenceGraph.build(ctx, Experiment.create(config, List.of()).model(2, 3),
          InputNormalization.of(config.getData(), 3), 2, 3, "image");
      ConfigException e = assertThrows(ConfigException.class, () -> Evaluator.of(g, config, 2, 0));
      assertTrue(e.getMessage().contains("eval.window"), e.getMessage());
    }
  }

  private static int[] predict(String text, Sample s) {
    ExperimentConfig config = ExperimentConfigLoader.parse(text, "test");
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, Mode.EVAL, 1);
      InferenceGraph g = InferenceGraph.build(ctx, Experiment.create(config, List.of()).model(2, 3),
          InputNormalization.of(config.getData(), 3), 2, 3, "image");
      try (Session session = new Session(graph)) {
        session.initialize();
        return Evaluator.of(g, config, 2, 0).predict(session, s);
      }
    }
  }
}
