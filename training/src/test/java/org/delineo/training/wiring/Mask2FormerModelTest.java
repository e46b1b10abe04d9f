package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.heads.Mask2FormerPredictions;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.Mask2Former;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The registered Mask2Former in a tiny variant: its logits are the last stage's semantic scores at
 * the input's size (non-negative, at most Q per pixel: Σ_k Σ_q p(k | q)·σ(m_q) ≤ Σ_q 1), its
 * named features the 1 + layers predictions, and config mistakes name their field.
 */
class Mask2FormerModelTest {
  /** Swin with one block per stage, width 16, 4 queries, 2 decoder layers, 1 encoder layer. */
  static final String TINY = "mask2former { backbone { swin { embed_dims: 8 depths: [1, 1, 1, 1]"
      + " num_heads: [1, 1, 2, 2] window_size: 2 drop_path_rate: 0 } } feat_channels: 16 num_queries: 4"
      + " num_decoder_layers: 2 num_heads: 2 decoder_feedforward_channels: 16 encoder_layers: 1"
      + " encoder_feedforward_channels: 16 encoder_points: 1 norm_groups: 4 train_num_points: 16 }";

  @Test
  void logitsAreScoresAtInputSizeAndFeaturesCarryEveryStage() {
    SegmentationModel model = experiment(TINY).model(3, 3);
    assertEquals(32, model.sizeDivisor());
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Placeholder<TFloat32> image = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      ModelOutputs out = model.apply(ctx, ModelInputs.of(image));
      Mask2FormerPredictions p = Mask2Former.predictions(out);
      assertEquals(3, p.classLogits().size(), "before the first layer and after each of 2");
      assertEquals("[-1, 4, 4]", p.lastClassLogits().shape().toString());
      s.initialize();
      float[] pixels = new float[2 * 64 * 96 * 3];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) Math.sin(i * 0.37);
      }
      try (TFloat32 x = Tensors.floats(Shape.of(2, 64, 96, 3), pixels);
          Result r = s.runner().feed(image, x).fetch(out.logits()).fetch(p.maskLogits().get(0)).run()) {
        assertEquals(Shape.of(2, 64, 96, 3), r.get(0).shape());
        assertEquals(Shape.of(2, 4, 16, 24), r.get(1).shape(), "masks at 1/4 of the input");
        float[] scores = Tensors.toFloats(r.get(0));
        for (int i = 0; i < scores.length; i += 3) {
          float sum = scores[i] + scores[i + 1] + scores[i + 2];
          assertTrue(scores[i] >= 0 && scores[i + 1] >= 0 && scores[i + 2] >= 0 && sum <= 4f, "pixel " + i / 3);
        }
      }
    }
  }

  @Test
  void configMistakesNameTheField() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> experiment("mask2former { feat_channels: 20 num_heads: 8 }").model(19, 3));
    assertTrue(e.getMessage().contains("'model.mask2former.feat_channels'") && e.getMessage().contains("found 20"),
        e.getMessage());
    ConfigException q = assertThrows(ConfigException.class,
        () -> experiment("mask2former { num_queries: 0 }").model(19, 3));
    assertTrue(q.getMessage().contains("'model.mask2former.num_queries'"), q.getMessage());
  }

  static Experiment experiment(String model) {
    return Experiment.create(ExperimentConfigLoader.parse("model { " + model + " }", "test"), List.of());
  }
}
