package org.delineo.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.DataConfig;
import org.delineo.proto.EvalConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.eval.ModalityMaskEvaluationTest.FlairThreshold;
import org.delineo.training.eval.ModalityMaskEvaluationTest.OneCase;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.EmptyMaskRule;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * {@code eval.all_modality_masks} on the model of {@link ModalityMaskEvaluationTest}, whose answer
 * is known: on the 16³ case (a bright 8³ enhancing-tumour cube of 512 voxels in 3584 background
 * voxels) it finds the cube exactly when FLAIR is available (8 of the 15 masks) and predicts
 * background everywhere otherwise.
 */
class ValidationTest {
  private static final int CUBE = 512;
  private static final int BACKGROUND = 16 * 16 * 16 - CUBE;

  private static ExperimentConfig config(boolean allMasks) {
    return ExperimentConfig.newBuilder()
        .setData(DataConfig.newBuilder().setLayout(DataConfig.Layout.SYNTHETIC_BRATS3D))
        .setEval(EvalConfig.newBuilder().setMode(EvalConfig.Mode.SLIDE).addAllWindow(List.of(8, 8, 8))
            .addAllStride(List.of(4, 4, 4)).setAllModalityMasks(allMasks))
        .build();
  }

  private static Validation.Result validate(SegmentationModel model, boolean allMasks) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
      InferenceGraph inference = InferenceGraph.build(ctx, model, new InputNormalization(new float[0], new float[0]),
          3, 4, "image");
      Validation validation = Validation.of(inference, config(allMasks), model, 4);
      try (Session s = new Session(g)) {
        return validation.run(s, new OneCase(), List.of("case"));
      }
    }
  }

  @Test
  void allModalityMasksPoolsTheFifteenPredictionsAndAveragesTheRegionScores() {
    Validation.Result result = validate(new FlairThreshold(), true);

    ConfusionMatrix m = result.matrix();
    assertEquals(15L * BACKGROUND, m.count(0, 0), "background is right under every mask");
    assertEquals(8L * CUBE, m.count(3, 3), "the cube is found under the 8 masks with FLAIR");
    assertEquals(7L * CUBE, m.count(3, 0), "and missed under the 7 without");
    assertEquals(15L * (BACKGROUND + CUBE), m.total());

    Map<String, Double> metrics = result.metrics("val");
    // IoU: background 15·3584 / (15·3584 + 7·512), ET 8·512 / 15·512; classes 1 and 2 absent (NaN).
    double iouBackground = 15.0 * BACKGROUND / (15.0 * BACKGROUND + 7.0 * CUBE);
    assertEquals(100 * (iouBackground + 8.0 / 15.0) / 2, metrics.get("val/mIoU"), 1e-9);
    // Dice (whole tumour = the cube): 1 under 8 masks, 0 under 7; HD95 of ET 0 or the BraTS maximum.
    assertEquals(100 * 8.0 / 15.0, metrics.get("val/dice_wt"), 1e-9);
    assertEquals(100 * 8.0 / 15.0, metrics.get("val/dice_et"), 1e-9);
    assertEquals(7.0 / 15.0 * EmptyMaskRule.BRATS_MAX_DISTANCE, metrics.get("val/hd95_et"), 1e-9);
    assertTrue(result.describeMasks().contains("dice_wt 53.33"), result.describeMasks());
  }

  @Test
  void withoutItOnlyTheAllModalitiesPredictionIsScored() {
    Validation.Result result = validate(new FlairThreshold(), false);

    assertNull(result.masks());
    assertEquals(BACKGROUND, result.matrix().count(0, 0));
    assertEquals(CUBE, result.matrix().count(3, 3));
    assertEquals(BACKGROUND + CUBE, result.matrix().total());
    assertEquals(100.0, result.metrics("val").get("val/mIoU"), 1e-9);
    assertEquals(Map.of(), result.maskMetrics("val"));
  }

  @Test
  void aModelWithoutModalityMasksIsAConfigErrorNamingTheField() {
    SegmentationModel plain = new SegmentationModel() {
      @Override
      public String name() {
        return "plain";
      }

      @Override
      public int numClasses() {
        return 4;
      }

      @Override
      public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
        return ModelOutputs.of(inputs.image());
      }
    };
    ConfigException e = assertThrows(ConfigException.class, () -> validate(plain, true));
    assertEquals("field 'eval.all_modality_masks': expected a model that takes modality masks (prism_rfnet),"
        + " found 'plain', which does not", e.getMessage());
  }
}
