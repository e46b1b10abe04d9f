package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.train.TrainingGraph;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Every {@code configs/semsim} file loads and builds its training graph (no data needed: classes
 * and channels come from the layout), and the semsim_unet registration counts the SFM's
 * parameters.
 */
class SemSimConfigsTest {
  private static final Path DIR = Path.of("..", "configs", "semsim");

  @Test
  void everyConfigBuildsItsTrainingGraph() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      // synthetic_supervised.pbtxt is the supervised-only baseline (ConfigFilesTest-style check below).
      files = s.filter(p -> p.toString().endsWith(".pbtxt") && !p.endsWith("synthetic_supervised.pbtxt"))
          .sorted().toList();
    }
    assertEquals(List.of("acdc.pbtxt", "isic.pbtxt", "promise12.pbtxt", "synthetic_quick.pbtxt"),
        files.stream().map(p -> p.getFileName().toString()).toList());
    Experiment baseline = Experiment.create(ExperimentConfigLoader.load(DIR.resolve("synthetic_supervised.pbtxt"),
        List.of()), List.of());
    assertEquals("unet", baseline.modelName());
    assertEquals("supervised", baseline.strategy().name());
    for (Path file : files) {
      ExperimentConfig config = ExperimentConfigLoader.load(file, List.of());
      Experiment e = Experiment.create(config, List.of());
      assertEquals("semsim_unet", e.modelName(), file.toString());
      assertEquals("semsim", e.strategy().name(), file.toString());
      boolean rgb = config.getData().getLayout() == DataConfig.Layout.ISIC;
      if (config.getData().getLayout() != DataConfig.Layout.SYNTHETIC_MEDICAL2D) {
        // Real datasets evaluate at the 224x224 training size, predictions resized back (UniMatch).
        assertEquals(List.of(224, 224), config.getData().getTestResizeList(), file.toString());
        assertEquals(false, config.getData().getTestKeepRatio(), file.toString());
      }
      int classes = rgb || config.getData().getLayout() == DataConfig.Layout.PROMISE12 ? 2 : 4;
      int channels = rgb ? 3 : 1;
      SegmentationModel model = e.model(classes, channels);
      try (Graph graph = new Graph()) {
        TrainingGraph g = TrainingGraph.build(graph, 1, model, e.strategy(), e.optimizer(),
            OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
            InputNormalization.of(config.getData(), channels), 2, channels);
        assertTrue(g.inputs().keySet().containsAll(List.of("image", "labels", "u_weak", "u_mix_weak",
            "u_strong1", "u_strong2", "cutmix_box1", "cutmix_box2")), file + ": " + g.inputs().keySet());
        assertTrue(g.scalars().keySet().containsAll(List.of("loss", "loss_s", "loss_u", "loss_intra",
            "loss_cross")), file + ": " + g.scalars().keySet());
      }
    }
  }

  @Test
  void spatialFusionModuleParameterCount() {
    // Reference SFM (D 128 on UNet stages 32, 64, 128 channels, MLP x4), by hand:
    // projections 1x1 + bias: (32 + 64 + 128)·128 + 3·128             =  29,056
    // block: 2 LayerNorms 2·2·128; qkv 128·384 + 384; out 128·128 + 128;
    //        MLP 128·512 + 512 + 512·128 + 128                          = 198,272
    // fusion 3x3 conv without bias 9·384·128, BatchNorm 2·128           = 442,624
    long expected = 29_056 + 198_272 + 442_624;
    assertEquals(669_952, expected);
    SemSimUNetFactory factory = new SemSimUNetFactory(true);
    ModelFactory.ReferenceSetup ref = factory.reference();
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      SegmentationModel model = factory.create(ref.config(), ref.numClasses(), 1);
      model.apply(ctx, ModelInputs.of(ctx.tf().placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 224, 224, 1)))));
      long sfm = ctx.variables().trainable().stream().filter(v -> v.name().startsWith("sfm."))
          .mapToLong(v -> v.size()).sum();
      assertEquals(expected, sfm, "SFM parameters");
      assertEquals(ctx.variables().trainableParameterCount(), factory.referenceParameterCount(),
          "models --params counts the SFM (TRAIN mode)");
    }
    assertTrue(Experiment.registeredModels().containsKey("semsim_unet"));
    // The summary names the module without a hard-coded count (the count is checked above).
    assertTrue(factory.summary().contains("Spatial-aware Fusion Module"), factory.summary());
  }
}
