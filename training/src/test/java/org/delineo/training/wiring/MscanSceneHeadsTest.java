package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
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
 * A tiny MSCAN under every scene head, built through the registry and run (TRAIN, then EVAL) on a
 * 64 x 64 batch: the logits have the size of the level each head decodes at, from MSCAN's strides
 * 4, 8, 16, 32 (DeepLabV3+ and the HRNet FCN head: level 0, stride 4; PSPNet: level 3, stride 32;
 * SegNeXt: level 1, stride 8), and are finite.
 */
class MscanSceneHeadsTest {
  private static final String MSCAN =
      "backbone { mscan { embed_dims: [8, 16, 32, 32] depths: [1, 1, 1, 1] mlp_ratios: [2, 2, 1, 1] } }";
  private static final int SIZE = 64;
  private static final int CLASSES = 5;

  @Test
  void everySceneHeadRunsOnATinyMscan() {
    Map<String, Integer> strideOf = Map.of(
        "deeplabv3plus { " + MSCAN + " channels: 8 c1_channels: 4 aux_head { channels: 4 } }", 4,
        "pspnet { " + MSCAN + " channels: 8 aux_head { channels: 4 } }", 32,
        "hrnet { " + MSCAN + " }", 4,
        "segnext { " + MSCAN + " channels: 32 ham_channels: 32 md_r: 4 }", 8);
    strideOf.forEach((family, stride) -> {
      SegmentationModel model = Experiment.create(
          ExperimentConfigLoader.parse("model { " + family + " }", "test"), List.of()).model(CLASSES, 3);
      assertEquals(32, model.sizeDivisor(), family + ": MSCAN's output stride");
      for (Mode mode : List.of(Mode.TRAIN, Mode.EVAL)) {
        float[] logits = run(model, mode);
        int side = SIZE / stride;
        assertEquals(2 * side * side * CLASSES, logits.length, family + " " + mode);
        for (float v : logits) {
          assertTrue(Float.isFinite(v), family + " " + mode + ": finite logits");
        }
      }
    });
  }

  private static float[] run(SegmentationModel model, Mode mode) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, mode, 3);
      Operand<TFloat32> image =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, SIZE, SIZE, 3)));
      ModelOutputs out = model.apply(ctx, ModelInputs.of(image));
      s.initialize();
      float[] pixels = new float[2 * SIZE * SIZE * 3];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) Math.sin(i * 0.37);
      }
      try (TFloat32 in = Tensors.floats(Shape.of(2, SIZE, SIZE, 3), pixels);
          Result r = s.runner().feed(image, in).fetch(out.logits()).run()) {
        return Tensors.toFloats(r.get(0));
      }
    }
  }
}
