package org.delineo.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.data.Split;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.MaskScores;
import org.delineo.training.metrics.PerClassVolumeMetrics;
import org.delineo.training.data.pipeline.InputNormalization;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Slice predictions are stacked back into their volumes in slice order and scored per volume: a
 * "model" that predicts class 1 wherever the (min-max scaled) intensity exceeds 0.5 makes the
 * prediction a known function of the image, so Dice follows by counting.
 */
class VolumeSliceEvaluationTest {
  private static final int D = 3;
  private static final int H = 4;
  private static final int W = 4;

  /** Volume "a": prediction equals the labels. Volume "b": 8 voxels predicted, 4 of them labelled. */
  private static final class TwoVolumes implements SegmentationDataset {
    @Override
    public String name() {
      return "two";
    }

    @Override
    public List<String> ids(Split split) {
      return List.of("a", "b");
    }

    @Override
    public Sample load(String id) {
      float[] image = new float[D * H * W];
      int[] label = new int[D * H * W];
      // Foreground in slice 2 only, so a mix-up of slice order changes the scores.
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 2; x++) {
          int v = (2 * H + y) * W + x;
          image[v] = 1;
          label[v] = 1;
        }
      }
      if (id.equals("b")) {
        for (int x = 0; x < 4; x++) {
          image[(2 * H + 3) * W + x] = 1; // four extra predicted voxels, labelled background
        }
      }
      return new Sample(id, image, new int[] {D, H, W, 1}, label, new int[] {D, H, W}, new double[] {2, 1, 1});
    }

    @Override
    public int numClasses() {
      return 2;
    }

    @Override
    public int channels() {
      return 1;
    }

    @Override
    public boolean is3d() {
      return true;
    }
  }

  /** Logits [0.5 - x, x - 0.5]: class 1 where x > 0.5. */
  private static final class Threshold implements SegmentationModel {
    @Override
    public String name() {
      return "threshold";
    }

    @Override
    public int numClasses() {
      return 2;
    }

    @Override
    public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.math.sub(inputs.image(), tf.constant(0.5f));
      return ModelOutputs.of(tf.concat(List.of(tf.math.neg(x), x), tf.constant(-1)));
    }
  }

  @Test
  void slicesAreStackedPerVolumeAndScored() {
    SliceDataset slices = new SliceDataset(new TwoVolumes());
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
      InferenceGraph inference = InferenceGraph.build(ctx, new Threshold(),
          new InputNormalization(new float[0], new float[0]), 2, 1, "image");
      Evaluator evaluator = Evaluator.of(inference, ExperimentConfig.getDefaultInstance(), 2, 0);
      try (Session s = new Session(g)) {
        PerClassVolumeMetrics m = new VolumeSliceEvaluation(evaluator, 2, EmptyMaskRule.SSL4MIS)
            .evaluate(s, slices, slices.ids(Split.VAL));
        assertEquals(2, m.cases().size());
        assertEquals(1.0, m.cases().get(0).forClass(1).dice(), 1e-12, "volume a: perfect");
        assertEquals(0.0, m.cases().get(0).forClass(1).hd95(), 1e-12, "volume a: perfect");
        // Volume b: |P| = 8, |T| = 4, |P ∩ T| = 4 -> Dice = 8 / 12.
        assertEquals(8.0 / 12.0, m.cases().get(1).forClass(1).dice(), 1e-12, "volume b");
        assertEquals((1.0 + 8.0 / 12.0) / 2, m.aggregate(1, MaskScores.Metric.DICE).mean(), 1e-12);
      }
    }
  }
}
