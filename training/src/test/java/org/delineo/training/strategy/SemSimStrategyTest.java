package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.semsim.SemSimUNet;
import org.delineo.losses.semsim.AffinityRefinement;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.run.SessionFactory;
import org.delineo.training.train.TrainingGraph;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * SemSim builds and trains on a tiny synthetic medical2d set; the total is the paper's weighting of
 * the fetched terms; ablations change which terms exist; a model without the fused feature is
 * refused.
 */
class SemSimStrategyTest {
  @TempDir static Path dir;

  @BeforeAll
  static void data() {
    SemSimFixtures.writeData(dir);
  }

  @Test
  void trainsThreeStepsWithFiniteTermsWeightedAsThePaper() {
    // tau 0 keeps every pixel, so the unlabeled terms are non-zero even for an untrained net; fp on
    // by default (lambda_fp 0.5).
    ExperimentConfig config = SemSimFixtures.config(dir, "strategy.semsim.tau=0");
    Experiment e = Experiment.create(config, List.of());
    SegmentationDataset ds = SemSimFixtures.open(config);
    SegmentationModel model = e.model(ds.numClasses(), ds.channels());
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, 7, model, e.strategy(), e.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), ds.channels()), 2, ds.channels());
      assertEquals(Set.of("loss", "loss_s", "loss_u", "loss_intra", "intra_kept", "loss_cross", "loss_fp"),
          g.scalars().keySet());
      List<String> names = List.of("loss_s", "loss_u", "loss_intra", "loss_cross", "loss_fp", "intra_kept");
      try (Session session = SessionFactory.open(graph, config.getRuntime());
          StepBatchSource batches = e.strategy().batches(new TrainingData(config, ds, null),
              new LoaderPosition(0, 0))) {
        session.initialize();
        List<Float> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
          float[] v = g.run(session, batches.next(), names);
          for (int i = 0; i < v.length; i++) {
            assertTrue(Float.isFinite(v[i]), "step " + step + " value " + i + ": " + v[i]);
          }
          for (int i = 1; i <= names.size(); i++) {
            assertTrue(v[i] > 0f, names.get(i - 1) + " at step " + step + " is " + v[i]);
          }
          // L = 1/2 (1·L_s + 0.5·L_u + 0.25·L_intra + 0.25·L_cross + 0.5·L_fp), relative 1e-5.
          double expected = 0.5 * (v[1] + 0.5 * v[2] + 0.25 * v[3] + 0.25 * v[4] + 0.5 * v[5]);
          assertEquals(expected, v[0], 1e-5 * Math.abs(expected), "total at step " + step);
          // tau 0: every feature position clears the threshold, so L_intra keeps all of them.
          assertEquals(1f, v[6], 1e-6f, "intra_kept at step " + step);
          losses.add(v[0]);
        }
        assertEquals(3, losses.size());
      }
    }
  }

  @Test
  void ablationsChangeWhichTermsArePresent() {
    ExperimentConfig config = SemSimFixtures.config(dir);
    assertEquals(Set.of("loss", "loss_s", "loss_u", "loss_intra", "intra_kept", "loss_cross", "loss_fp"),
        scalarNames(config, List.of()));
    assertEquals(Set.of("loss", "loss_s", "loss_u", "loss_cross", "loss_fp"),
        scalarNames(config, List.of("no-intra")));
    assertEquals(Set.of("loss", "loss_s", "loss_u", "loss_intra", "intra_kept", "loss_fp"),
        scalarNames(config, List.of("no-cross")));
    // fixmatch-only is plain FixMatch: no similarity term and no feature perturbation.
    assertEquals(Set.of("loss", "loss_s", "loss_u"), scalarNames(config, List.of("fixmatch-only")));
    assertEquals(Set.of("loss", "loss_s", "loss_u", "loss_fp"), scalarNames(config, List.of("no-intra", "no-cross")));
    assertEquals(Set.of("loss", "loss_s", "loss_u", "loss_intra", "intra_kept", "loss_cross"),
        scalarNames(SemSimFixtures.config(dir, "strategy.semsim.lambda_fp=0"), List.of()));
    // fixmatch-only builds a whole training step: every variable it creates gets a gradient.
    Experiment fixMatch = Experiment.create(config, List.of("fixmatch-only"));
    try (Graph graph = new Graph()) {
      TrainingGraph g = TrainingGraph.build(graph, 7, fixMatch.model(4, 1), fixMatch.strategy(), fixMatch.optimizer(),
          OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
          InputNormalization.of(config.getData(), 1), 2, 1);
      assertEquals(Set.of("loss", "loss_s", "loss_u"), g.scalars().keySet());
    }

    Experiment noSfm = Experiment.create(config, List.of("no-sfm"));
    assertFalse(((SemSimUNet) noSfm.model(4, 1)).fusionEnabled(), "no-sfm builds no fusion module");
    assertTrue(((SemSimUNet) Experiment.create(config, List.of()).model(4, 1)).fusionEnabled());
    assertEquals(List.of("no-sfm"), noSfm.ablations(), "the applied ablation is what provenance records");
    // Without the module the features are the projected stage: no variable of the fusion block.
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, Mode.TRAIN, 1);
      StepInputs inputs = new StepInputs(ctx.tf(), InputNormalization.of(config.getData(), 1), 2, 1, false, null);
      noSfm.strategy().objective(ctx, noSfm.model(4, 1), inputs);
      assertTrue(ctx.variables().trainable().stream().noneMatch(v -> v.name().startsWith("sfm.block")),
          "no transformer-block variables without the SFM");
      assertTrue(ctx.variables().trainable().stream().anyMatch(v -> v.name().startsWith("sfm.proj.0")));
    }
  }

  @Test
  void affinityOrientationComesFromTheConfig() {
    SemSimStrategy byDefault = (SemSimStrategy) Experiment.create(SemSimFixtures.config(dir), List.of()).strategy();
    assertEquals(AffinityRefinement.Orientation.ROW_AVERAGE, byDefault.settings().orientation());
    SemSimStrategy literal = (SemSimStrategy) Experiment.create(SemSimFixtures.config(dir,
        "strategy.semsim.affinity_orientation=PAPER_LITERAL"), List.of()).strategy();
    assertEquals(AffinityRefinement.Orientation.PAPER_LITERAL, literal.settings().orientation());
  }

  @Test
  void refusesAModelWithoutTheFusedFeature() {
    ExperimentConfig config = SemSimFixtures.config(dir);
    Experiment e = Experiment.create(config, List.of());
    SegmentationModel unet = Experiment.create(
        org.delineo.training.config.ExperimentConfigLoader.parse("model { unet {} }", "test"), List.of()).model(4, 1);
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, Mode.TRAIN, 1);
      StepInputs inputs = new StepInputs(ctx.tf(), InputNormalization.of(config.getData(), 1), 2, 1, false, null);
      DelineoException ex = assertThrows(DelineoException.class, () -> e.strategy().objective(ctx, unet, inputs));
      assertTrue(ex.getMessage().contains("semsim_unet") && ex.getMessage().contains("unet"), ex.getMessage());
    }
  }

  private static Set<String> scalarNames(ExperimentConfig config, List<String> ablations) {
    Experiment e = Experiment.create(config, ablations);
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, Mode.TRAIN, 1);
      StepInputs inputs = new StepInputs(ctx.tf(), InputNormalization.of(config.getData(), 1), 2, 1, false, null);
      return e.strategy().objective(ctx, e.model(4, 1), inputs).scalars().keySet();
    }
  }
}
