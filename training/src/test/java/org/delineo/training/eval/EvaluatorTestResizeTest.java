package org.delineo.training.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.augment.BilinearResize;
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
 * {@code data.test_resize}: the image is resized bilinearly (half-pixel) before the model and the
 * scores are resized back to the label grid before the arg-max. The stand-in model's logits are
 * (0.5 - x, x - 0.5), so without resizing a pixel is class 1 iff x > 0.5 and with it iff the
 * down-then-up interpolated x exceeds 0.5, which is worked out by hand below.
 */
class EvaluatorTestResizeTest {
  private static final String BASE = "model { unet { channels: [4, 8, 16, 32, 64] } } ";

  /**
   * Two identical rows x = (1, 0.4, 0.4, 0.4). Resized to 1x2: rows 2 -> 1 average the (equal)
   * rows; columns 4 -> 2 read source (o + 0.5)·2 - 0.5 = 0.5 and 2.5, i.e. (1 + 0.4) / 2 = 0.7 and
   * (0.4 + 0.4) / 2 = 0.4. Back to 4 columns, sources (o + 0.5)/2 - 0.5 = -0.25 (clamped to 0),
   * 0.25, 0.75, 1.25 (clamped to the last sample): 0.7, 0.7 - 0.25·0.3 = 0.625,
   * 0.7 - 0.75·0.3 = 0.475, 0.4; rows 1 -> 2 copy. Class 1 where > 0.5: (1, 1, 0, 0) per row,
   * against (1, 0, 0, 0) without the resize.
   */
  private static final Sample SAMPLE = new Sample("two-rows",
      new float[] {1f, 0.4f, 0.4f, 0.4f, 1f, 0.4f, 0.4f, 0.4f}, new int[] {2, 4, 1},
      new int[8], new int[] {2, 4}, new double[] {1, 1});
  private static final int[] NATIVE = {1, 0, 0, 0, 1, 0, 0, 0};
  private static final int[] RESIZED = {1, 1, 0, 0, 1, 1, 0, 0};

  @Test
  void wholePredictionDiffersFromTheNativeOneByTheHandComputedPixel() {
    assertArrayEquals(NATIVE, predict(""));
    assertArrayEquals(RESIZED, predict("data { test_resize: [1, 2] test_keep_ratio: false }"));
  }

  @Test
  void keepRatioFitsTheLongEdgeWhateverTheOrientation() {
    // 2x4 image, scale (1, 4) or (4, 1): f = min(4 / 4, 1 / 2) = 0.5 -> 1x2, as above.
    assertArrayEquals(RESIZED, predict("data { test_resize: [1, 4] }"));
    assertArrayEquals(RESIZED, predict("data { test_resize: [4, 1] test_keep_ratio: true }"));
  }

  @Test
  void slideResizesTheAveragedOutputsBack() {
    // One 1x2 window covers the resized image. Averaging logits is the WHOLE case; averaging
    // probabilities p1 = σ(2x - 1) gives σ(0.4) = 0.5987 and σ(-0.2) = 0.4502 at the two resized
    // pixels, back to 0.5987, 0.5987 - 0.25·0.1485 = 0.5616, 0.5987 - 0.75·0.1485 = 0.4873,
    // 0.4502: the same classes.
    String slide = "data { test_resize: [1, 2] test_keep_ratio: false } eval { mode: SLIDE window: [1, 2] ";
    assertArrayEquals(RESIZED, predict(slide + "slide_average: LOGITS }"));
    assertArrayEquals(RESIZED, predict(slide + "slide_average: PROBABILITIES }"));
    assertArrayEquals(NATIVE, predict("eval { mode: SLIDE window: [1, 2] }"), "no resize: native windows");
  }

  @Test
  void keepRatioSizeArithmeticOnNonSquareImages() {
    TestResize scale = new TestResize(512, 1024, true);
    // 300x500: f = min(1024 / 500, 512 / 300) = 1.70667 -> 512 x int(853.33 + 0.5) = 853.
    assertArrayEquals(new int[] {512, 853}, scale.sizeFor(300, 500));
    // Portrait 500x300: the same factor, so the long edge (H) becomes 853, not 512.
    assertArrayEquals(new int[] {853, 512}, scale.sizeFor(500, 300));
    // 10x5 at (5, 5): f = min(5 / 10, 5 / 5) = 0.5 -> 5 x int(2.5 + 0.5) = 3 (mmcv rounds half up).
    assertArrayEquals(new int[] {5, 3}, new TestResize(5, 5, true).sizeFor(10, 5));
    assertArrayEquals(new int[] {512, 1024}, new TestResize(512, 1024, false).sizeFor(300, 500));
  }

  @Test
  void volumesAndMalformedSizesAreConfigErrors() {
    DataConfig data = DataConfig.newBuilder().addTestResize(224).addTestResize(224).build();
    assertEquals(new TestResize(224, 224, true), TestResize.of(data, 2));
    assertNull(TestResize.of(DataConfig.getDefaultInstance(), 3));
    ConfigException volume = assertThrows(ConfigException.class, () -> TestResize.of(data, 3));
    assertTrue(volume.getMessage().contains("data.test_resize") && volume.getMessage().contains("3D"),
        volume.getMessage());
    ConfigException one = assertThrows(ConfigException.class,
        () -> TestResize.of(DataConfig.newBuilder().addTestResize(224).build(), 2));
    assertTrue(one.getMessage().contains("data.test_resize") && one.getMessage().contains("[224]"), one.getMessage());
  }

  @Test
  void bilinearResizeKeepsChannelsApart() {
    // 2x2x2 -> 1x1: each output channel is the mean of its four inputs (source 0.5 on both axes).
    float[] in = {0, 10, 2, 20, 4, 30, 6, 40};
    assertArrayEquals(new float[] {3, 25}, BilinearResize.resize(in, 2, 2, 2, 1, 1), 1e-6f);
  }

  private static int[] predict(String text) {
    ExperimentConfig config = ExperimentConfigLoader.parse(BASE + text, "test");
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> image = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 1)));
      Operand<TFloat32> x = tf.math.sub(image, tf.constant(0.5f));
      Operand<TFloat32> logits = tf.concat(List.of(tf.math.neg(x), x), tf.constant(-1));
      InferenceGraph g = new InferenceGraph(image, null, logits, tf.math.argMax(logits, tf.constant(-1), TInt32.class));
      try (Session session = new Session(graph)) {
        return Evaluator.of(g, config, 2, 0).predict(session, SAMPLE);
      }
    }
  }
}
