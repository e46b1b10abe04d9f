package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * {@code segformer_mit_b3} through the registry: mmseg 1.2.2's parameter counts per module
 * (reference-methods.md §0: backbone 44,072,128, decode head 531,731), MiT under the other scene
 * heads (a run, not only a build), the SegFormer head on a CNN backbone, and config mistakes
 * naming their field.
 */
class SegFormerModelTest {
  private static final String TINY_MIT =
      "mit { embed_dims: [8, 16, 32, 32] num_layers: [1, 1, 1, 1] num_heads: [1, 1, 2, 2] }";

  @Test
  void referenceCountsPerModuleEqualMmseg() {
    ModelFactory factory = Experiment.registeredModels().get("segformer_mit_b3");
    ModelFactory.ReferenceSetup ref = factory.reference();
    assertEquals(19, ref.numClasses());
    assertArrayEquals(new long[] {1024, 1024, 3}, ref.inputShape(), "mmseg's Cityscapes crop");
    Map<String, Long> perModule = new TreeMap<>();
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      factory.create(ref.config(), 19, 3).apply(ctx, ModelInputs.of(
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1024, 1024, 3)))));
      for (ModelVariable<?> v : ctx.variables().trainable()) {
        perModule.merge(v.name().substring(0, v.name().indexOf('.')), v.size(), Long::sum);
      }
    }
    assertEquals(Map.of("backbone", 44_072_128L, "decode_head", 531_731L), perModule);
    assertEquals(44_603_859L, factory.referenceParameterCount());
  }

  /**
   * A tiny MiT (strides 4, 8, 16, 32) under every other scene head, run once on a 2 × 64 × 64 image in
   * TRAIN mode: PSPNet decodes at the deepest map (2 × 2), DeepLabV3+ and the HRNet FCN head at the
   * finest (16 × 16); the aux heads read stage 2 (4 × 4).
   */
  @Test
  void mitRunsUnderTheOtherSceneHeads() {
    assertRuns("pspnet { backbone { " + TINY_MIT + " } channels: 8 aux_head { channels: 4 } }", 2,
        Map.of("aux", 4));
    assertRuns("deeplabv3plus { backbone { " + TINY_MIT + " } channels: 8 c1_channels: 4 aux_head { channels: 4 } }",
        16, Map.of("aux", 4));
    assertRuns("hrnet { backbone { " + TINY_MIT + " } }", 16, Map.of());
    // And the SegFormer head on a CNN: ResNetV1c D8's finest map is at stride 4.
    assertRuns("segformer { backbone { resnet_v1c { base_channels: 4 stage_blocks: [1, 1, 1, 1] } } channels: 8 }",
        16, Map.of());
  }

  private static void assertRuns(String family, int logitSize, Map<String, Integer> auxSizes) {
    SegmentationModel model = Experiment.create(
        ExperimentConfigLoader.parse("model { " + family + " }", "test"), List.of()).model(5, 3);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> image = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 64, 64, 3)));
      var out = model.apply(ctx, ModelInputs.of(image));
      s.initialize();
      float[] pixels = new float[2 * 64 * 64 * 3];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) Math.sin(i * 0.37);
      }
      try (TFloat32 in = Tensors.floats(Shape.of(2, 64, 64, 3), pixels)) {
        Session.Runner runner = s.runner().feed(image, in).fetch(out.logits());
        Map<String, Operand<TFloat32>> aux = new TreeMap<>(out.auxLogits());
        aux.values().forEach(runner::fetch);
        try (Result r = runner.run()) {
          assertArrayEquals(new long[] {2, logitSize, logitSize, 5}, r.get(0).shape().asArray(), family);
          for (float v : Tensors.toFloats(r.get(0))) {
            assertTrue(Float.isFinite(v), family + ": finite logits");
          }
          assertEquals(auxSizes.keySet(), aux.keySet(), family);
          int k = 1;
          for (String head : aux.keySet()) {
            int size = auxSizes.get(head);
            assertArrayEquals(new long[] {2, size, size, 5}, r.get(k++).shape().asArray(), family + " " + head);
          }
        }
      }
    }
  }

  @Test
  void configMistakesNameTheirField() {
    assertError("segformer { backbone { mit { embed_dims: [64, 128, 320] } } }",
        "'model.segformer.backbone.mit.embed_dims'", "expected 4 positive values", "[64, 128, 320]");
    assertError("segformer { backbone { mit { num_layers: [3, 0, 18, 3] } } }",
        "'model.segformer.backbone.mit.num_layers'", "[3, 0, 18, 3]");
    assertError("segformer { backbone { mit { embed_dims: [64, 128, 318, 512] } } }",
        "'model.segformer.backbone.mit.num_heads'", "5 heads", "318");
    assertError("pspnet { backbone { mit { sr_ratios: [8, 4, 2] } } }", "'model.pspnet.backbone.mit.sr_ratios'");
    assertError("segformer { backbone { mit { drop_path_rate: 1 } } }",
        "'model.segformer.backbone.mit.drop_path_rate'", "[0, 1)");
    assertError("segformer { backbone { mit { mlp_ratio: 0 } } }", "'model.segformer.backbone.mit.mlp_ratio'");
    assertError("segformer { channels: 0 }", "'model.segformer.channels'", "found 0");
    assertError("segformer { dropout: 1.5 }", "'model.segformer.dropout'", "1.5");
    assertError("segformer {} norm: GROUP", "'model.norm'", "GROUP");
  }

  private static void assertError(String model, String... parts) {
    ExperimentConfig config = ExperimentConfigLoader.parse("model { " + model + " }", "test");
    ConfigException e = assertThrows(ConfigException.class,
        () -> Experiment.create(config, List.of()).model(19, 3), model);
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), e.getMessage());
    }
  }
}
