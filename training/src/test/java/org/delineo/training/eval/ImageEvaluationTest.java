package org.delineo.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.MaskScores;
import org.delineo.training.metrics.PerClassVolumeMetrics;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Per-image metrics of independent 2D images (ISIC): a stand-in model predicts class 1 where the
 * intensity exceeds 0.5, so each prediction is the image's bright pixels and Dice and the surface
 * distances (pixel units) follow by hand.
 */
class ImageEvaluationTest {
  private static final int H = 4;
  private static final int W = 4;

  /**
   * "a": a 2x2 lesion predicted exactly. "b": a single lesion pixel at (0, 0), predicted as the
   * whole first row (0, 0)..(0, 3).
   */
  private static final class TwoImages implements SegmentationDataset {
    @Override
    public String name() {
      return "two-images";
    }

    @Override
    public List<String> ids(Split split) {
      return List.of("a", "b");
    }

    @Override
    public Sample load(String id) {
      float[] image = new float[H * W];
      int[] label = new int[H * W];
      if (id.equals("a")) {
        for (int y = 1; y < 3; y++) {
          for (int x = 1; x < 3; x++) {
            image[y * W + x] = 1;
            label[y * W + x] = 1;
          }
        }
      } else {
        label[0] = 1;
        for (int x = 0; x < W; x++) {
          image[x] = 1;
        }
      }
      // A spacing other than 1 must not leak into the pixel-unit distances.
      return new Sample(id, image, new int[] {H, W, 1}, label, new int[] {H, W}, new double[] {3, 3});
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
      return false;
    }
  }

  @Test
  void everyImageIsScoredInPixelsAndAveraged() {
    TwoImages data = new TwoImages();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> image = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 1)));
      Operand<TFloat32> x = tf.math.sub(image, tf.constant(0.5f));
      Operand<TFloat32> logits = tf.concat(List.of(tf.math.neg(x), x), tf.constant(-1));
      InferenceGraph g = new InferenceGraph(image, null, logits, tf.math.argMax(logits, tf.constant(-1), TInt32.class));
      Evaluator evaluator = Evaluator.of(g, ExperimentConfig.getDefaultInstance(), 2, 0);
      try (Session session = new Session(graph)) {
        PerClassVolumeMetrics m = new ImageEvaluation(evaluator, 2, EmptyMaskRule.SSL4MIS)
            .evaluate(session, data, data.ids(Split.VAL));
        assertEquals(List.of(1), m.classes());
        assertEquals(2, m.cases().size());
        MaskScores a = m.cases().get(0).forClass(1);
        assertEquals(1.0, a.dice(), 1e-12, "a: perfect");
        assertEquals(0.0, a.hd95(), 1e-12, "a: perfect");
        MaskScores b = m.cases().get(1).forClass(1);
        // |P| = 4, |T| = 1, |P ∩ T| = 1: Dice = 2 / 5.
        assertEquals(0.4, b.dice(), 1e-12, "b: Dice");
        // Every pixel of both masks is surface. P -> T: 0, 1, 2, 3; T -> P: 0. medpy pools them,
        // (0, 0, 1, 2, 3), 95th percentile at rank 0.95·4 = 3.8: 2 + 0.8·(3 - 2) = 2.8 pixels
        // (3 × that if the sample's spacing 3 were used).
        assertEquals(2.8, b.hd95(), 1e-9, "b: HD95");
        // ASSD = (mean(0, 1, 2, 3) + mean(0)) / 2 = 0.75.
        assertEquals(0.75, b.assd(), 1e-9, "b: ASSD");
        assertEquals((1.0 + 0.4) / 2, m.aggregate(1, MaskScores.Metric.DICE).mean(), 1e-12);
        assertEquals((0.0 + 2.8) / 2, m.aggregate(1, MaskScores.Metric.HD95).mean(), 1e-9);
        assertTrue(m.format().startsWith("2 cases, empty-mask rule ssl4mis"), m.format());
      }
    }
  }
}
