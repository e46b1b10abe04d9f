package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.core.Placeholder;

/**
 * Which rows of SemSim's one TRAIN pass and which CutMix box each unlabeled term is built from, run
 * through {@link SemSimStrategy#objective} on a tiny model without dropout.
 *
 * <p>With soft pseudo-labels and τ = 0, L_u is 1 − mean_c (2Σp_c² + s)/(2Σp_c² + s) = 0 exactly when
 * the student's probabilities equal its target's at every pixel. Feeding strong view 1 equal to the
 * weak view therefore gives L_u = 0 if and only if L_u compares the strong-1 rows with the weak rows
 * outside box 1 (box 2 is all ones, so using it would pull in the mix batch's prediction).
 */
class SemSimTargetWiringTest {
  private static final int B = 2;
  private static final int S = 32;

  @Test
  void fixMatchComparesStrongViewOneWithTheWeakRowsUnderBoxOne() {
    try (Fixture f = new Fixture(List.of())) {
      float[] weak = uniform(1);
      float[] mix = uniform(2);
      Map<String, Float> clean = f.run(weak, mix, weak, weak, 0f, 1f);
      assertEquals(0f, clean.get("loss_u"), 1e-6f, "strong 1 = weak outside box 1");
      Map<String, Float> mixed = f.run(weak, mix, weak, weak, 1f, 0f);
      assertTrue(mixed.get("loss_u") > 1e-3f,
          "inside box 1 the target is the mix batch's prediction: " + mixed.get("loss_u"));
    }
  }

  @Test
  void intraFollowsBoxOneAndCrossFollowsBoxTwo() {
    // No feature perturbation: its random channel dropout would change the batch statistics per run.
    // r = 0: the uncertainty weight exp(-r·U) of an untrained net would otherwise round L_cross to 0.
    Map<String, Float> none;
    Map<String, Float> box1;
    Map<String, Float> box2;
    try (Fixture f = new Fixture(List.of("strategy.semsim.lambda_fp=0", "strategy.semsim.r=0"))) {
      float[] weak = uniform(3);
      float[] mix = uniform(4);
      float[] s1 = uniform(5);
      float[] s2 = uniform(6);
      none = f.run(weak, mix, s1, s2, 0f, 0f);
      box1 = f.run(weak, mix, s1, s2, 1f, 0f);
      box2 = f.run(weak, mix, s1, s2, 0f, 1f);
    }
    assertEquals(none.get("loss_cross"), box1.get("loss_cross"), 0f, "L_cross ignores box 1");
    assertNotEquals(none.get("loss_cross"), box2.get("loss_cross"), "L_cross takes its target under box 2");
    assertEquals(none.get("loss_intra"), box2.get("loss_intra"), 0f, "L_intra ignores box 2");
    assertNotEquals(none.get("loss_intra"), box1.get("loss_intra"), "L_intra takes its target under box 1");
    assertEquals(none.get("loss_u"), box2.get("loss_u"), 0f, "L_u ignores box 2");
  }

  @Test
  void labeledRowsShareBatchStatisticsWithTheStrongViewsButNotWithTheMixBatch() {
    // What SemSim does with batch norm (UniMatch instead normalises [x, u_w] and [s1, s2] in two
    // passes): one TRAIN pass over [x, u_w, s1, s2], so the labeled loss moves when only a strong view
    // changes; the mix batch is predicted apart in EVAL mode (running statistics), so it does not.
    try (Fixture f = new Fixture(List.of("strategy.semsim.lambda_fp=0"))) {
      float[] weak = uniform(3);
      float[] mix = uniform(4);
      float[] s1 = uniform(5);
      float[] s2 = uniform(6);
      float base = f.run(weak, mix, s1, s2, 0f, 0f).get("loss_s");
      float otherStrong = f.run(weak, mix, uniform(7), s2, 0f, 0f).get("loss_s");
      float otherMix = f.run(weak, uniform(8), s1, s2, 0f, 0f).get("loss_s");
      assertNotEquals(base, otherStrong, "L_s sees the strong views' batch statistics");
      assertEquals(base, otherMix, 0f, "L_s does not see the mix batch");
    }
  }

  private static float[] uniform(long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] out = new float[B * S * S];
    for (int i = 0; i < out.length; i++) {
      out[i] = r.nextFloat();
    }
    return out;
  }

  /** The SemSim objective of a tiny dropout-free model, built once, run on chosen feeds. */
  private static final class Fixture implements AutoCloseable {
    private final Graph graph = new Graph();
    private final Session session;
    private final StepInputs inputs;
    private final Objective objective;

    Fixture(List<String> overrides) {
      List<String> all = new ArrayList<>(List.of("strategy.semsim.tau=0",
          "strategy.semsim.soft_pseudo_labels=true"));
      all.addAll(overrides);
      ExperimentConfig config = ExperimentConfigLoader.applyOverrides(ExperimentConfigLoader.parse("""
          name: "semsim-wiring"
          model { semsim_unet { channels: [4, 8, 16, 32, 64] encoder_dropout: [0, 0, 0, 0, 0]
                                sfm { dim: 8 windows: 2 heads: 2 mlp_ratio: 2 } } }
          data { layout: SYNTHETIC_MEDICAL2D root: "unused" batch_size: 2 unlabeled_batch_size: 2
                 crop_size: [32, 32] }
          strategy { semsim {} }
          optimizer { sgd {} lr: 0.01 }
          schedule { poly {} total_steps: 3 warmup_steps: 0 }
          runtime { seed: 7 }
          """, "test"), all);
      Experiment e = Experiment.create(config, List.of());
      GraphContext ctx = GraphContext.create(graph, Mode.TRAIN, 7);
      inputs = new StepInputs(ctx.tf(), InputNormalization.of(config.getData(), 1), 2, 1, false, null);
      objective = e.strategy().objective(ctx, e.model(4, 1), inputs);
      session = new Session(graph);
      session.initialize();
    }

    /**
     * Every scalar of the objective for these views and constant boxes; no update op runs, so runs
     * do not affect each other.
     */
    Map<String, Float> run(float[] weak, float[] mix, float[] s1, float[] s2, float box1, float box2) {
      Map<String, FeedArray> feeds = new HashMap<>();
      feeds.put(StepInputs.IMAGE, FeedArray.of(uniform(9), B, S, S, 1));
      feeds.put(StepInputs.LABELS, FeedArray.of(stripes(), B, S, S));
      feeds.put(SemSimStrategy.U_WEAK, FeedArray.of(weak, B, S, S, 1));
      feeds.put(SemSimStrategy.U_MIX_WEAK, FeedArray.of(mix, B, S, S, 1));
      feeds.put(SemSimStrategy.U_STRONG1, FeedArray.of(s1, B, S, S, 1));
      feeds.put(SemSimStrategy.U_STRONG2, FeedArray.of(s2, B, S, S, 1));
      feeds.put(SemSimStrategy.CUTMIX_BOX1, FeedArray.of(filled(box1), B, S, S));
      feeds.put(SemSimStrategy.CUTMIX_BOX2, FeedArray.of(filled(box2), B, S, S));
      List<String> names = new ArrayList<>(objective.scalars().keySet());
      List<Tensor> tensors = new ArrayList<>();
      try {
        Session.Runner runner = session.runner();
        for (Map.Entry<String, Placeholder<?>> p : inputs.placeholders().entrySet()) {
          Tensor t = feeds.get(p.getKey()).toTensor();
          tensors.add(t);
          runner.feed(p.getValue(), t);
        }
        names.forEach(n -> runner.fetch(objective.scalars().get(n)));
        try (Result r = runner.run()) {
          Map<String, Float> out = new HashMap<>();
          for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), Tensors.toFloats(r, i)[0]);
          }
          return out;
        }
      } finally {
        tensors.forEach(Tensor::close);
      }
    }

    /** Every class present in every sub-region: labels in vertical stripes of 2 columns. */
    private static int[] stripes() {
      int[] out = new int[B * S * S];
      for (int i = 0; i < out.length; i++) {
        out[i] = (i % S / 2) % 4;
      }
      return out;
    }

    private static float[] filled(float v) {
      float[] out = new float[B * S * S];
      java.util.Arrays.fill(out, v);
      return out;
    }

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }
}
