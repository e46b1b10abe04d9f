package org.delineo.training.eval;

import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.train.InMemoryDataset;
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
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SLIDE evaluation through the graph: a window covering the whole image is one window, whose
 * averaged softmax has the arg-max of the WHOLE path (exact); smaller windows give a label per pixel;
 * {@code slide_average} chooses between averaging logits and softmax probabilities.
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

  @Test
  void logitAndProbabilityAveragingDifferOnAHandCase() {
    // A 1×5 image with channels (0, x), x = 12, -2, 0, 0, -2. The stand-in model gives every pixel
    // of a window the window's channel sums as logits, so the 1×3 windows starting at columns 0, 1,
    // 2 (stride 1) have logit differences d = l1 - l0 = 10, -2, -2.
    float[] image = {0, 12, 0, -2, 0, 0, 0, 0, 0, -2};
    Sample s = new Sample("hand", image, new int[] {1, 5, 2}, null, null, new double[] {1, 1});
    // Column 2 lies in all three windows. LOGITS: mean d = (10 - 2 - 2) / 3 = 2 > 0, class 1.
    // PROBABILITIES: mean p1 = (σ(10) + 2σ(-2)) / 3 = (0.99995 + 2 · 0.11920) / 3 = 0.4128 < 0.5,
    // class 0. Column 1 (windows 0, 1): mean d = 4, mean p1 = (0.99995 + 0.11920) / 2 = 0.5596,
    // class 1 both ways; column 0 (d = 10) class 1; columns 3 and 4 (d = -2 only) class 0.
    assertArrayEquals(new int[] {1, 1, 1, 0, 0}, slideHand("LOGITS", s));
    assertArrayEquals(new int[] {1, 1, 0, 0, 0}, slideHand("PROBABILITIES", s));
    assertArrayEquals(new int[] {1, 1, 0, 0, 0}, slideHand(null, s), "default: PROBABILITIES");
  }

  private static int[] slideHand(String average, Sample s) {
    ExperimentConfig config = ExperimentConfigLoader.parse(BASE + "eval { mode: SLIDE window: [1, 3] stride: [1, 1]"
        + (average == null ? "" : " slide_average: " + average) + " }", "test");
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> image = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 2)));
      Operand<TFloat32> sums = tf.reduceSum(image, tf.constant(new int[] {1, 2}), ReduceSum.keepDims(true));
      Operand<TFloat32> logits = tf.math.add(tf.math.mul(image, tf.constant(0f)), sums);
      InferenceGraph g = new InferenceGraph(image, null, logits, tf.math.argMax(logits, tf.constant(-1), TInt32.class));
      try (Session session = new Session(graph)) {
        return Evaluator.of(g, config, 2, 0).predict(session, s);
      }
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
