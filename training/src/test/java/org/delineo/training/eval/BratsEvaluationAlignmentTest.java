package org.delineo.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.metrics.BratsCaseScores;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.ModalityMaskTable;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Issue 18 §1, evaluation side: the 15-mask protocol exactly as {@code configs/prism/synthetic_quick.pbtxt}
 * evaluates (32³ windows, stride 16, uniform averaging of softmax probabilities, a fixed-size model so
 * short axes are padded) stitches predictions back onto the voxels they came from and scores them
 * against the labels in the same orientation. The case has random labels per voxel (any misplaced
 * window or transposed axis shows) and a shape of 24 × 40 × 56 (D below the window: padded; H and W:
 * overlapping windows with a border-aligned last one). The model answers each voxel's label from its
 * own intensity, so the expected result is known from outside: every region of every mask has Dice 1
 * and HD95 0, and the pooled confusion matrix is diagonal.
 */
class BratsEvaluationAlignmentTest {
  private static final int[] SHAPE = {24, 40, 56};
  private static final int WINDOW = 32;

  /** Class k's intensity in every channel. */
  private static float code(int label) {
    return 10 * label + 5;
  }

  /** Pointwise: logit_k = −(x_flair − code(k))², so the arg-max is the label coded at that voxel. */
  static final class LabelFromIntensity implements SegmentationModel {
    @Override
    public String name() {
      return "label-from-intensity";
    }

    @Override
    public int numClasses() {
      return 4;
    }

    @Override
    public boolean takesModalityMask() {
      return true;
    }

    @Override
    public int requiredInputSize() {
      return WINDOW;
    }

    @Override
    public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
      Ops tf = ctx.tf();
      // Fails at run time unless every window has the model's fixed size.
      Operand<TFloat32> image = tf.ensureShape(inputs.image(), Shape.of(-1, WINDOW, WINDOW, WINDOW, 4));
      Operand<TFloat32> flair = tf.slice(image, tf.constant(new int[] {0, 0, 0, 0, 0}),
          tf.constant(new int[] {-1, -1, -1, -1, 1}));
      float[] codes = {code(0), code(1), code(2), code(3)};
      Operand<TFloat32> distance = tf.math.squaredDifference(flair, tf.constant(codes));
      return ModelOutputs.of(tf.math.neg(distance));
    }
  }

  /** One case: random labels 0..3 per voxel, every channel = code(label). */
  static final class RandomLabelCase implements SegmentationDataset {
    final int[] label;

    RandomLabelCase() {
      SplittableRandom r = new SplittableRandom(18);
      label = new int[SHAPE[0] * SHAPE[1] * SHAPE[2]];
      for (int v = 0; v < label.length; v++) {
        label[v] = r.nextInt(4);
      }
    }

    @Override
    public String name() {
      return "random-labels";
    }

    @Override
    public List<String> ids(Split split) {
      return List.of("case");
    }

    @Override
    public Sample load(String id) {
      float[] image = new float[label.length * 4];
      for (int v = 0; v < label.length; v++) {
        for (int c = 0; c < 4; c++) {
          image[v * 4 + c] = code(label[v]);
        }
      }
      return new Sample(id, image, new int[] {SHAPE[0], SHAPE[1], SHAPE[2], 4}, label.clone(), SHAPE.clone(),
          new double[] {1, 1, 1});
    }

    @Override
    public int numClasses() {
      return 4;
    }

    @Override
    public int channels() {
      return 4;
    }

    @Override
    public boolean is3d() {
      return true;
    }
  }

  @Test
  void everyMaskScoresPerfectlyWhenThePredictionIsTheLabel() {
    ExperimentConfig config =
        ExperimentConfigLoader.load(Path.of("..", "configs", "prism", "synthetic_quick.pbtxt"), List.of());
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
      InferenceGraph inference = InferenceGraph.build(ctx, new LabelFromIntensity(),
          InputNormalization.of(config.getData(), 4), 3, 4, "image");
      ModalityMaskEvaluation evaluation =
          ModalityMaskEvaluation.of(inference, config, WINDOW, 4, EmptyMaskRule.BRATS);
      RandomLabelCase data = new RandomLabelCase();
      ConfusionMatrix pooled = new ConfusionMatrix(4, 255);
      try (Session s = new Session(g)) {
        ModalityMaskTable table = evaluation.evaluate(s, data, List.of("case"),
            IntStream.range(0, ModalityMasks.COUNT).toArray(), pooled);
        for (int m = 0; m < ModalityMasks.COUNT; m++) {
          String name = ModalityMasks.name(m);
          BratsCaseScores row = table.row(name);
          assertEquals(1.0, row.diceWt(), 1e-12, name + " WT");
          assertEquals(1.0, row.diceTc(), 1e-12, name + " TC");
          assertEquals(1.0, row.diceEt(), 1e-12, name + " ET");
          assertEquals(0.0, row.hd95Wt(), 1e-12, name + " WT HD95");
        }
      }
      long voxels = (long) data.label.length * ModalityMasks.COUNT;
      assertEquals(voxels, pooled.total());
      for (int label = 0; label < 4; label++) {
        for (int predicted = 0; predicted < 4; predicted++) {
          if (label != predicted) {
            assertEquals(0, pooled.count(label, predicted), "label " + label + " predicted " + predicted);
          }
        }
      }
    }
  }
}
