package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.LossConfig;
import org.delineo.training.optim.Gradient;
import org.delineo.training.optim.Optimizer;
import org.delineo.training.strategy.StepInputs;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.strategy.TrainStep;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Every config under {@code configs/} loads and builds its experiment (model, losses and strategy,
 * graph only, no gradients) for each PROVE {@code --aux-loss} variant, applied as TrainCommand
 * does ({@code loss.aux_loss=X}).
 */
class ConfigFilesTest {
  private static final Path CONFIGS = Path.of("..", "configs");
  private static final List<String> AUX = List.of("none", "focal", "lovasz", "boundary");

  /** Builds no update: the test checks wiring, not gradients. */
  private static final Optimizer NO_UPDATE = new Optimizer() {
    @Override
    public Op applyGradients(GraphContext ctx, List<Gradient> grads, boolean advanceStep) {
      return ctx.tf().noOp();
    }

    @Override
    public Op minimize(GraphContext ctx, Operand<TFloat32> loss, List<ModelVariable<TFloat32>> vars) {
      return ctx.tf().noOp();
    }
  };

  @Test
  void everyProveConfigBuildsWithEveryAuxLoss() throws IOException {
    List<Path> files;
    // --aux-loss adds terms to supervised training; the PRISM and SemSim configs have their own tests.
    try (Stream<Path> walk = Files.walk(CONFIGS.resolve("prove"))) {
      files = walk.filter(p -> p.toString().endsWith(".pbtxt")).sorted().toList();
    }
    assertTrue(files.stream().anyMatch(p -> p.endsWith(Path.of("prove", "hrnet_w48.pbtxt"))), files.toString());
    for (Path file : files) {
      ExperimentConfig base = ExperimentConfigLoader.load(file, List.of());
      int terms = -1;
      for (String aux : AUX) {
        ExperimentConfig config = ExperimentConfigLoader.applyOverrides(base, List.of("loss.aux_loss=" + aux));
        assertEquals(aux, config.getLoss().getAuxLoss().name().toLowerCase(), file.toString());
        Experiment e = Experiment.create(config, List.of());
        if (e.modelName().equals("mask2former_swin_b") && !aux.equals("none")) {
          // No auxiliary heads and no per-pixel logits: the variant is refused naming the field.
          ConfigException refused = assertThrows(ConfigException.class, e::strategy, file + " " + aux);
          assertTrue(refused.getMessage().contains("loss.aux_loss"), refused.getMessage());
          continue;
        }
        try (Graph g = new Graph()) {
          GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
          Ops tf = ctx.tf();
          TrainStep step = e.strategy().build(ctx, e.model(19, 3), new StepInputs(
              tf, new InputNormalization(new float[0], new float[0]), 2, 3, false, tf.constant(0L)), NO_UPDATE);
          Map<String, Operand<TFloat32>> scalars = step.scalars();
          assertTrue(scalars.containsKey("loss"), file + " " + aux + ": " + scalars.keySet());
          if (aux.equals("none")) {
            terms = scalars.size();
          } else {
            assertTrue(scalars.size() > terms, file + " --aux-loss " + aux + " adds terms: " + scalars.keySet());
          }
        }
      }
    }
  }

  @Test
  void proveConfigsFollowTheRecipe() throws IOException {
    for (String name : List.of("deeplabv3plus_r50", "pspnet_r50", "hrnet_w48")) {
      ExperimentConfig c = ExperimentConfigLoader.load(CONFIGS.resolve("prove").resolve(name + ".pbtxt"), List.of());
      assertEquals(name, Experiment.create(c, List.of()).modelName());
      assertEquals(List.of(512, 512), c.getData().getCropSizeList());
      assertEquals(16, c.getData().getBatchSize());
      assertTrue(c.getOptimizer().hasSgd());
      assertEquals(0.9f, c.getOptimizer().getSgd().getMomentum());
      assertEquals(5e-4f, c.getOptimizer().getWeightDecay());
      assertEquals(0.08f, c.getOptimizer().getLr(), "0.01 × 16 / 2");
      assertTrue(c.getSchedule().hasPoly());
      assertEquals(15000, c.getSchedule().getTotalSteps());
      assertEquals(1000, c.getSchedule().getWarmupSteps());
      assertTrue(c.getEarlyStopping().getEnabled());
      assertEquals("val/mIoU", c.getEarlyStopping().getMonitor());
      assertEquals(5, c.getEarlyStopping().getPatience());
      assertEquals(0.1f, c.getEarlyStopping().getMinDelta());
      assertFalse(c.getLoss().getAuxLoss() != LossConfig.AuxLoss.NONE, "the variant comes from --aux-loss");
    }
  }
}
