package org.delineo.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.serving.PadMode;
import org.delineo.serving.SlidingWindow;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.metrics.BratsCaseScores;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.ModalityMaskTable;
import org.delineo.training.data.pipeline.InputNormalization;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The 15-mask protocol on a model whose answer is known: it labels enhancing tumour (3) exactly
 * where the FLAIR channel is bright and FLAIR is available, and only accepts 8³ windows (a fixed
 * input size, as PRISM's network). On a 16³ case whose ET is the bright 8³ cube, every mask with
 * FLAIR scores Dice 1 / HD95 0 and every mask without it predicts nothing (Dice 0 and, under the
 * BraTS rule, HD95 373.13).
 */
class ModalityMaskEvaluationTest {
  private static final int SIZE = 16;
  private static final int WINDOW = 8;

  static final class FlairThreshold implements SegmentationModel {
    @Override
    public String name() {
      return "flair-threshold";
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
      // Fails at run time unless every window is exactly 8³.
      Operand<TFloat32> image = tf.ensureShape(inputs.image(), Shape.of(-1, WINDOW, WINDOW, WINDOW, 4));
      Operand<TFloat32> flair = tf.slice(image, tf.constant(new int[] {0, 0, 0, 0, 0}),
          tf.constant(new int[] {-1, -1, -1, -1, 1}));
      Operand<TFloat32> present = tf.reshape(tf.slice(tf.dtypes.cast(inputs.modalityMask(), TFloat32.class),
          tf.constant(new int[] {0, 0}), tf.constant(new int[] {-1, 1})), tf.constant(new long[] {-1, 1, 1, 1, 1}));
      Operand<TFloat32> et = tf.math.mul(flair, present);
      Operand<TFloat32> half = tf.math.mul(tf.onesLike(flair), tf.constant(0.5f));
      Operand<TFloat32> low = tf.math.mul(tf.onesLike(flair), tf.constant(-1f));
      return ModelOutputs.of(tf.concat(List.of(half, low, low, et), tf.constant(-1)));
    }
  }

  static final class OneCase implements SegmentationDataset {
    @Override
    public String name() {
      return "one";
    }

    @Override
    public List<String> ids(Split split) {
      return List.of("case");
    }

    @Override
    public Sample load(String id) {
      int voxels = SIZE * SIZE * SIZE;
      float[] image = new float[voxels * 4];
      int[] label = new int[voxels];
      for (int z = 4; z < 12; z++) {
        for (int y = 4; y < 12; y++) {
          for (int x = 4; x < 12; x++) {
            int v = (z * SIZE + y) * SIZE + x;
            image[v * 4] = 1;
            image[v * 4 + 1] = 1; // other modalities bright too: only FLAIR may matter
            label[v] = 3;
          }
        }
      }
      return new Sample(id, image, new int[] {SIZE, SIZE, SIZE, 4}, label, new int[] {SIZE, SIZE, SIZE},
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
  void masksWithFlairFindTheTumourAndMasksWithoutItFindNothing() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
      InferenceGraph inference = InferenceGraph.build(ctx, new FlairThreshold(),
          new InputNormalization(new float[0], new float[0]), 3, 4, "image");
      SlidingWindow window = new SlidingWindow(new int[] {WINDOW, WINDOW, WINDOW}, new int[] {4, 4, 4}, 3,
          SlidingWindow.Fit.PAD, PadMode.ZERO);
      ModalityMaskEvaluation evaluation =
          new ModalityMaskEvaluation(ctx.tf(), inference, window, 4, EmptyMaskRule.BRATS);
      try (Session s = new Session(g)) {
        ModalityMaskTable table = evaluation.evaluate(s, new OneCase(), List.of("case"),
            IntStream.range(0, ModalityMasks.COUNT).toArray());
        int withFlair = 0;
        for (int m = 0; m < ModalityMasks.COUNT; m++) {
          BratsCaseScores row = table.row(ModalityMasks.name(m));
          assertEquals(1, table.cases(ModalityMasks.name(m)));
          if (ModalityMasks.mask(m)[0]) {
            withFlair++;
            assertEquals(1.0, row.diceWt(), 1e-9, ModalityMasks.name(m));
            assertEquals(1.0, row.diceEt(), 1e-9, ModalityMasks.name(m));
            assertEquals(1.0, row.diceEtPro(), 1e-9, "512 ET voxels survive ETPro");
            assertEquals(0.0, row.hd95Et(), 1e-9, ModalityMasks.name(m));
          } else {
            assertEquals(0.0, row.diceEt(), 1e-9, ModalityMasks.name(m));
            assertEquals(EmptyMaskRule.BRATS_MAX_DISTANCE, row.hd95Et(), 1e-9, ModalityMasks.name(m));
          }
        }
        assertEquals(8, withFlair, "FLAIR is in 8 of the 15 masks");
        assertEquals(8.0 / 15.0, table.average().diceEt(), 1e-9);
        assertTrue(table.format().contains("flair+t1ce+t1"), table.format());
      }
    }
  }
}
