package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.layers.Conv3d;
import org.delineo.serving.PredictGraph;
import org.delineo.serving.Predictor;
import org.delineo.serving.SavedModelExporter;
import org.delineo.training.data.io.DecodedImage;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.io.NiftiReader;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyReader;
import org.delineo.training.data.synth.SyntheticBrats3d;
import org.delineo.training.data.pipeline.NormalizationKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code delineo predict --model} on a synthetic BraTS case directory, with a tiny exported
 * multi-modal model: in-graph brain z-score (as BraTS exports), modality_mask zeroing missing
 * channels, then a 1×1×1 convolution whose class k is modality k's normalised intensity. Expected
 * labels come from stacking the files in this test and calling {@link Predictor} directly, mapped
 * to BraTS' stored convention here (class 3 = stored 4).
 */
class PredictBratsCaseTest {
  private static final int M = 4;
  private static final int SIZE = 24;
  private static final String ID = "SynBraTS_00000";
  private static final String[] MODALITIES = {"flair", "t1ce", "t1", "t2"};
  /** Class id to stored BraTS label, written out independently of BratsLayout. */
  private static final int[] STORED = {0, 1, 2, 4};
  /** An oblique voxel-to-world matrix, so that keeping the input's affine is visible. */
  private static final double[][] FLAIR_AFFINE = {{0, -1.5, 0, 10}, {1.2, 0, 0, -5}, {0, 0, 2, 3}, {0, 0, 0, 1}};
  private static final double[][] T1CE_AFFINE = {{-1, 0, 0, 7}, {0, 1, 0, 8}, {0, 0, 1.5, 9}, {0, 0, 0, 1}};

  @TempDir static Path shared;
  private static Path model;
  @TempDir Path dir;
  private Path caseDir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8));

  private static PredictGraph build(GraphContext ctx) {
    Ops tf = ctx.tf();
    Operand<TFloat32> image = tf.withName("image")
        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, -1, M)));
    Operand<TInt32> batch = tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TBool> all = tf.fill(tf.concat(List.of(batch, tf.constant(new int[] {M})), tf.constant(0)),
        tf.constant(true));
    Operand<TBool> mask = tf.withName("modality_mask").placeholderWithDefault(all, Shape.of(-1, M));
    Operand<TFloat32> x = NormalizationKind.BRAIN_ZSCORE_PER_SAMPLE.apply(tf, image);
    Operand<TFloat32> keep = tf.reshape(tf.dtypes.cast(mask, TFloat32.class), tf.constant(new int[] {-1, 1, 1, 1, M}));
    Operand<TFloat32> logits = Conv3d.builder("head", M).kernel(1).build().apply(ctx, tf.math.mul(x, keep));
    return new PredictGraph(image, logits).withModalityMask(mask);
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Variable<TFloat32>) v.ref();
  }

  @BeforeAll
  static void export() throws IOException {
    String prefix = Files.createDirectories(shared.resolve("ckpt")).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      build(ctx);
      Ops tf = ctx.tf();
      float[] identity = new float[M * M];
      for (int m = 0; m < M; m++) {
        identity[m * M + m] = 1f;
      }
      Op weight = tf.assign(ref(ctx, "head.weight"), tf.reshape(tf.constant(identity),
          tf.constant(new long[] {1, 1, 1, M, M})));
      Op bias = tf.assign(ref(ctx, "head.bias"), tf.constant(new float[M]));
      s.initialize();
      s.runner().addTarget(weight).addTarget(bias).run().close();
      s.save(prefix);
    }
    model = new SavedModelExporter(prefix).export(shared.resolve("exports"), "brats", null, PredictBratsCaseTest::build);
  }

  @BeforeEach
  void writeCase() {
    new SyntheticBrats3d(SIZE, SIZE, SIZE).writeCase(dir.resolve("data"), 0, 7);
    caseDir = dir.resolve("data").resolve(ID);
    rewrite("flair", FLAIR_AFFINE);
    rewrite("t1ce", T1CE_AFFINE);
  }

  private Path file(String modality) {
    return caseDir.resolve(ID + "_" + modality + ".nii.gz");
  }

  /** The modality again with another affine. */
  private void rewrite(String modality, double[][] affine) {
    NiftiVolume v = NiftiReader.read(file(modality));
    NiftiWriter.write(file(modality), new NiftiVolume(v.data(), v.dims(), v.spacing(), affine, (short) 16, 0f, 0f));
  }

  /** The stored labels Predictor gives for the files stacked here; null mask = all present. */
  private static int[] expected(Path caseDir, boolean[] mask) {
    try (Predictor p = Predictor.load(model)) {
      int[] classes = p.predict(stacked(caseDir, mask), new int[] {SIZE, SIZE, SIZE, M}, mask).labels();
      int[] stored = new int[classes.length];
      for (int i = 0; i < classes.length; i++) {
        stored[i] = STORED[classes[i]];
      }
      return stored;
    }
  }

  /** The case's files stacked as channels here, masked-out modalities as zeros. */
  private static float[] stacked(Path caseDir, boolean[] mask) {
    float[] image = new float[SIZE * SIZE * SIZE * M];
    for (int m = 0; m < M; m++) {
      if (mask != null && !mask[m]) {
        continue;
      }
      float[] data = NiftiReader.read(caseDir.resolve(ID + "_" + MODALITIES[m] + ".nii.gz")).data();
      for (int v = 0; v < data.length; v++) {
        image[v * M + m] = data[v];
      }
    }
    return image;
  }

  private int predict(String... extra) {
    String[] base = {"predict", "--model", model.toString(), "--input", caseDir.toString(),
        "--out", dir.resolve("out").toString()};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return cli.run(args);
  }

  private void assertLabels(int[] expected, double[][] affine) {
    NiftiVolume labels = NiftiReader.read(dir.resolve("out").resolve(ID + "_labels.nii.gz"));
    assertArrayEquals(new int[] {SIZE, SIZE, SIZE}, labels.dims());
    for (int r = 0; r < 4; r++) {
      assertArrayEquals(affine[r], labels.affine()[r], 1e-6, "affine row " + r + " (tolerance 1e-6, float32 header)");
    }
    Set<Integer> values = new TreeSet<>();
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], labels.data()[i], 0f, "voxel " + i);
      values.add((int) labels.data()[i]);
    }
    assertTrue(Set.of(0, 1, 2, 4).containsAll(values), "stored BraTS labels only: " + values);
    assertTrue(values.contains(4), "class 3 is written as 4: " + values);
    DecodedImage overlay = ImageReader.read(dir.resolve("out").resolve(ID + "_overlay.png"));
    assertEquals(SIZE, overlay.height());
    assertEquals(SIZE, overlay.width());
    assertEquals(3, overlay.channels());
  }

  @Test
  void allModalitiesGiveStoredLabelsWithTheFlairAffine() {
    assertEquals(0, predict(), err.toString(StandardCharsets.UTF_8));
    assertLabels(expected(caseDir, null), FLAIR_AFFINE);
    assertTrue(!out.toString(StandardCharsets.UTF_8).contains("missing"), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void declaredModalitiesGoAsTheMask() {
    boolean[] mask = {false, true, false, true};
    assertEquals(0, predict("--modalities", "t1ce,t2"), err.toString(StandardCharsets.UTF_8));
    int[] masked = expected(caseDir, mask);
    assertLabels(masked, T1CE_AFFINE);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("missing flair,t1"), out.toString(StandardCharsets.UTF_8));
  }

  /**
   * --logits-out with a modality mask: the mask reaches predict_logits, so the classes that copy a
   * missing modality (identity head, zero bias) have logit exactly 0, and softmax of the logits is
   * what Predictor answers with that mask.
   */
  @Test
  void logitsOutTakesTheMask() {
    boolean[] mask = {false, true, false, true};
    Path logitsDir = dir.resolve("logits");
    assertEquals(0, predict("--modalities", "t1ce,t2", "--logits-out", logitsDir.toString()),
        err.toString(StandardCharsets.UTF_8));
    NpyArray logits = NpyReader.read(logitsDir.resolve(ID + "_logits.npy"));
    assertArrayEquals(new int[] {SIZE, SIZE, SIZE, M}, logits.shape());
    float[] probabilities;
    try (Predictor p = Predictor.load(model)) {
      probabilities = p.predict(stacked(caseDir, mask), new int[] {SIZE, SIZE, SIZE, M}, mask).probabilities();
    }
    float[] l = logits.floatData();
    boolean nonZero = false;
    for (int v = 0; v < SIZE * SIZE * SIZE; v++) {
      double sum = 0;
      for (int k = 0; k < M; k++) {
        if (!mask[k]) {
          assertEquals(0f, l[v * M + k], 0f, "masked-out class " + k + " at voxel " + v);
        }
        nonZero |= l[v * M + k] != 0f;
        sum += Math.exp(l[v * M + k]);
      }
      for (int k = 0; k < M; k++) {
        assertEquals(probabilities[v * M + k], Math.exp(l[v * M + k]) / sum, 1e-5, "softmax, voxel " + v + " class " + k);
      }
    }
    assertTrue(nonZero, "some present-modality logits are non-zero");
  }

  @Test
  void missingFileNeedsAllowMissing() throws IOException {
    Files.delete(file("flair"));
    assertEquals(2, predict());
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains(file("flair").toString()) && message.contains("--allow-missing"), message);

    assertEquals(0, predict("--allow-missing"), err.toString(StandardCharsets.UTF_8));
    assertLabels(expected(caseDir, new boolean[] {false, true, true, true}), T1CE_AFFINE);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("missing flair"), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void modalitiesOfAnotherShapeAreNamed() {
    NiftiVolume t2 = NiftiReader.read(file("t2"));
    NiftiWriter.write(file("t2"), NiftiVolume.ofRowMajor(new float[SIZE * SIZE * (SIZE - 1)],
        new int[] {SIZE - 1, SIZE, SIZE}, t2.spacing()));
    assertEquals(2, predict());
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains(file("t2").toString()) && message.contains("[24, 24, 24]")
        && message.contains("[24, 24, 23]"), message);
  }
}
