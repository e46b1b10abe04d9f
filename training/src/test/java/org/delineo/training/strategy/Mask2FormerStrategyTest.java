package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.run.SessionFactory;
import org.delineo.training.train.TrainingGraph;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TBool;

/**
 * Mask2Former's two-run step on a tiny model (4 queries, 3 classes, 2 decoder layers): the
 * assignment fed to run 2 is, for every image and stage, a minimum over all injective maps of the
 * present classes to the queries of the costs run 1 fetched (more queries than targets; one image
 * entirely ignored, which gets no matches); the loss falls on a fixed batch; and configs asking for
 * PROVE's aux loss, aux terms or another strategy with this model fail with one line naming the field.
 */
class Mask2FormerStrategyTest {
  static final String TINY = "mask2former { backbone { swin { embed_dims: 8 depths: [1, 1, 1, 1]"
      + " num_heads: [1, 1, 2, 2] window_size: 2 drop_path_rate: 0 } } feat_channels: 16 num_queries: 4"
      + " num_decoder_layers: 2 num_heads: 2 decoder_feedforward_channels: 16 encoder_layers: 1"
      + " encoder_feedforward_channels: 16 encoder_points: 1 norm_groups: 4 train_num_points: 64 }";
  private static final int SIZE = 32;
  private static final int CLASSES = 3;

  @Test
  void assignmentFedToRunTwoIsTheBruteForceMinimumOfRunOnesCosts() {
    ExperimentConfig config = config("");
    Experiment e = Experiment.create(config, List.of());
    Recorder recorder = new Recorder(e.strategy());
    float[] losses = train(config, e.model(CLASSES, 3), recorder, 1);
    assertTrue(Float.isFinite(losses[0]));
    int images = 3;
    int stages = 3;
    int queries = 4;
    assertEquals(images * stages * queries * CLASSES, recorder.costs.length);
    // Image 0: classes 0 and 1; image 1: 0, 1 and 2; image 2: all ignored.
    assertArrayEquals(new boolean[] {true, true, false, true, true, true, false, false, false}, recorder.present);
    for (int n = 0; n < images; n++) {
      for (int l = 0; l < stages; l++) {
        int base = (n * stages + l) * queries;
        double total = 0;
        int matched = 0;
        boolean[] used = new boolean[CLASSES];
        for (int q = 0; q < queries; q++) {
          int k = recorder.assignment[base + q];
          if (k >= 0) {
            assertTrue(recorder.present[n * CLASSES + k] && !used[k], "image " + n + " stage " + l + " query " + q);
            used[k] = true;
            matched++;
            total += recorder.costs[(base + q) * CLASSES + k];
          }
        }
        int targets = n == 0 ? 2 : n == 1 ? 3 : 0;
        assertEquals(targets, matched, "every present class is matched once, image " + n);
        assertEquals(bruteForce(recorder, n, base, queries, 0, new boolean[CLASSES], targets), total, 1e-4,
            "image " + n + " stage " + l);
      }
    }
  }

  @Test
  void lossFallsOnAFixedBatch() {
    ExperimentConfig config = config("");
    Experiment e = Experiment.create(config, List.of());
    float[] losses = train(config, e.model(CLASSES, 3), e.strategy(), 6);
    assertTrue(losses[5] < losses[0] && losses[4] < losses[0], Arrays.toString(losses));
  }

  @Test
  void pixelLossSettingsAndOtherStrategiesAreRefusedNamingTheField() {
    assertRefused("loss { aux_loss: LOVASZ }", "'loss.aux_loss' (--aux-loss)", "no auxiliary heads", "LOVASZ");
    assertRefused("loss { aux_terms { dice {} } }", "'loss.aux_terms'", "found 1");
    assertRefused("loss { terms { cross_entropy {} } }", "'loss.terms'", "found 1");
    assertRefused("strategy { semsim {} }", "'strategy.semsim'", "Hungarian");
  }

  private static void assertRefused(String extra, String... parts) {
    ConfigException x = assertThrows(ConfigException.class,
        () -> Experiment.create(config(extra), List.of()).strategy());
    for (String p : parts) {
      assertTrue(x.getMessage().contains(p), "'" + p + "' in: " + x.getMessage());
    }
    assertTrue(!x.getMessage().contains("\n"), "one line: " + x.getMessage());
  }

  static ExperimentConfig config(String extra) {
    return ExperimentConfigLoader.parse("""
        model { %s }
        optimizer { adamw {} lr: 0.001 weight_decay: 0 }
        schedule { constant {} total_steps: 100 warmup_steps: 0 }
        runtime { seed: 5 intra_op_threads: 2 inter_op_threads: 1 }
        %s
        """.formatted(TINY, extra), "test");
  }

  /** Three 32 × 32 images: two classes in stripes; three classes; every label ignored. */
  static Batch batch() {
    int n = 3;
    float[] images = new float[n * SIZE * SIZE * 3];
    int[] labels = new int[n * SIZE * SIZE];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < SIZE; y++) {
        for (int x = 0; x < SIZE; x++) {
          int p = (i * SIZE + y) * SIZE + x;
          int label = i == 2 ? 255 : i == 0 ? (x < 12 ? 0 : 1) : (y < 10 ? 0 : x < 16 ? 1 : 2);
          labels[p] = label;
          for (int c = 0; c < 3; c++) {
            images[p * 3 + c] = 40f + 60f * (label % 4) + 10f * (float) Math.sin(p * 0.7 + c);
          }
        }
      }
    }
    return new Batch(List.of("a", "b", "c"), images, new int[] {n, SIZE, SIZE, 3}, labels, new int[] {n, SIZE, SIZE});
  }

  static float[] train(ExperimentConfig config, SegmentationModel model, TrainingStrategy strategy, int steps) {
    float[] losses = new float[steps];
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, 5, model, strategy, Experiment.create(config, List.of()).optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), 3), 2, 3);
      try (Session session = SessionFactory.open(graph, config.getRuntime())) {
        session.initialize();
        for (int i = 0; i < steps; i++) {
          losses[i] = g.run(session, StepBatch.of(batch()), List.of())[0];
        }
      }
    }
    return losses;
  }

  /** The least total cost pairing all {@code targets} present classes with distinct queries. */
  private static double bruteForce(Recorder r, int image, int base, int queries, int q, boolean[] used, int left) {
    if (q == queries) {
      return left == 0 ? 0 : Double.POSITIVE_INFINITY;
    }
    double best = bruteForce(r, image, base, queries, q + 1, used, left);
    for (int k = 0; k < CLASSES; k++) {
      if (r.present[image * CLASSES + k] && !used[k]) {
        used[k] = true;
        best = Math.min(best, r.costs[(base + q) * CLASSES + k] + bruteForce(r, image, base, queries, q + 1, used,
            left - 1));
        used[k] = false;
      }
    }
    return best;
  }

  /** The strategy with its run bridge observed: what run 1 fetched and what run 2 was fed. */
  private static final class Recorder extends BridgeObservingStrategy {
    private float[] costs;
    private boolean[] present;
    private int[] assignment;

    Recorder(TrainingStrategy inner) {
      super(inner);
    }

    @Override
    protected Map<Operand<?>, Tensor> feeds(RunBridge bridge, List<Tensor> fetched) {
      costs = Tensors.toFloats(fetched.get(0));
      TBool p = (TBool) fetched.get(1);
      List<Boolean> flags = new ArrayList<>();
      for (int n = 0; n < p.shape().get(0); n++) {
        for (int k = 0; k < p.shape().get(1); k++) {
          flags.add(p.getBoolean(n, k));
        }
      }
      present = new boolean[flags.size()];
      for (int i = 0; i < present.length; i++) {
        present[i] = flags.get(i);
      }
      Map<Operand<?>, Tensor> feeds = bridge.feeds(fetched);
      assignment = Tensors.toInts(feeds.values().iterator().next());
      return feeds;
    }
  }
}
