package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ExportConfig;
import org.delineo.serving.WarmupInput;
import org.delineo.training.data.Sample;
import org.delineo.training.data.augment.AugmentationFactory;
import org.delineo.training.eval.Evaluator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.delineo.proto.serving.PredictionLog;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.synth.SyntheticMedical2d;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.delineo.training.export.ExportInput;
import org.delineo.training.export.WarmupSamples;

/** The export's signature size from the config and the fitting of warm-up samples to it. */
class ExportCommandTest {

  private static ExperimentConfig config(ExportConfig export, Integer... crop) {
    return ExperimentConfig.newBuilder().setExport(export)
        .setData(DataConfig.newBuilder().addAllCropSize(java.util.List.of(crop))).build();
  }

  @Test
  void inputSizeComesFromExportThenCrop() {
    assertArrayEquals(new long[] {32, 48},
        ExportInput.inputSize(config(ExportConfig.newBuilder().addInputSize(32).addInputSize(48).build(), 64, 64), 2));
    assertArrayEquals(new long[] {64, 96}, ExportInput.inputSize(config(ExportConfig.getDefaultInstance(), 64, 96), 2));
    assertNull(ExportInput.inputSize(config(ExportConfig.getDefaultInstance()), 2), "no size given: dynamic");
    assertNull(ExportInput.inputSize(config(ExportConfig.newBuilder().setDynamicSize(true).build(), 64, 64), 2));
    DelineoException e = assertThrows(DelineoException.class,
        () -> ExportInput.inputSize(config(ExportConfig.getDefaultInstance(), 64, 64), 3));
    assertTrue(e.getMessage().contains("expected 3 values") && e.getMessage().contains("found 2"), e.getMessage());
  }

  /**
   * One order for volumes everywhere: data.crop_size (D, H, W) as RandomCrop cuts training samples
   * [D, H, W, C], as the sliding-window evaluation tiles them, and as the export's placeholder
   * [-1, D, H, W, C] takes them. Non-cubic, so any reordering shows.
   */
  @Test
  void volumeCropSizeIsDepthHeightWidthInTrainingEvaluationAndExport() {
    ExperimentConfig config = config(ExportConfig.getDefaultInstance(), 16, 24, 32);
    // A training crop of a [20, 30, 40, 1] volume (with a label map, as RandomCrop needs).
    int voxels = 20 * 30 * 40;
    Sample volume = new Sample("v", new float[voxels], new int[] {20, 30, 40, 1}, new int[voxels],
        new int[] {20, 30, 40}, null);
    Sample cropped = AugmentationFactory.training(config.getData(), true).apply(volume, new java.util.Random(3));
    assertArrayEquals(new int[] {16, 24, 32, 1}, cropped.imageShape(), "training crop (D, H, W, C)");
    assertArrayEquals(new int[] {16, 24, 32},
        Evaluator.slidingWindow(config, 3, 0, 1).windowFor(new int[] {20, 30, 40}), "evaluation window");
    assertArrayEquals(new long[] {16, 24, 32}, ExportInput.inputSize(config, 3), "export placeholder");
    // export.input_size takes the same order.
    assertArrayEquals(new long[] {8, 16, 24}, ExportInput.inputSize(
        config(ExportConfig.newBuilder().addInputSize(8).addInputSize(16).addInputSize(24).build(), 16, 24, 32), 3));
  }

  @Test
  void syntheticWarmupHasTheFixedSizeOrAStrideMultiple() {
    assertArrayEquals(new long[] {32, 48, 3}, WarmupSamples.syntheticWarmupShape(new long[] {32, 48}, 2, 3, 16));
    // Dynamic: 64 rounded up to the stride, per axis; channels last.
    assertArrayEquals(new long[] {64, 64, 1}, WarmupSamples.syntheticWarmupShape(null, 2, 1, 16));
    assertArrayEquals(new long[] {72, 72, 72, 4}, WarmupSamples.syntheticWarmupShape(null, 3, 4, 24));
  }

  @Test
  void warmupSamplesAreCutOrZeroPaddedAtTheFarEnd() {
    // 2x3 image, 2 channels: value = 10 * row + column + 0.5 * channel.
    float[] values = new float[12];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        for (int c = 0; c < 2; c++) {
          values[(y * 3 + x) * 2 + c] = 10 * y + x + 0.5f * c;
        }
      }
    }
    // To 3x2: rows 0-1 kept, row 2 zeros; columns 0-1 kept, column 2 cut.
    WarmupInput fitted = WarmupSamples.fitTo(new long[] {2, 3, 2}, values, new long[] {3, 2});
    assertArrayEquals(new long[] {3, 2, 2}, fitted.shape());
    assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 10, 10.5f, 11, 11.5f, 0, 0, 0, 0}, fitted.values(), 0f,
        "exact copies (tolerance 0)");
  }

  /** The input shape (batch first) of the first warm-up request in a version directory. */
  private static List<Long> warmupShape(Path version) throws java.io.IOException {
    byte[] record = java.nio.file.Files.readAllBytes(version.resolve("assets.extra/tf_serving_warmup_requests"));
    int length = (int) java.nio.ByteBuffer.wrap(record, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    PredictionLog log = PredictionLog.parseFrom(java.util.Arrays.copyOfRange(record, 12, 12 + length));
    return org.tensorflow.proto.TensorProto.parseFrom(log.getPredictLog().getRequest().getInputsOrThrow("image"))
        .getTensorShape().getDimList().stream()
        .map(d -> d.getSize()).toList();
  }

  /**
   * Without the dataset (data.root missing) the export still writes warm-up requests, synthetic
   * ones of the signature's size (fixed, else a stride multiple), and says so; classes and
   * channels come from the layout. {@code --label} moves only the named label in models.config.
   */
  @Test
  void withoutDataWarmupIsSyntheticAndLabelsMoveOnlyWhenAsked(@TempDir Path dir) throws Exception {
    String model = "model { unet { channels: [2, 4, 4, 8, 8] } }\n";
    String data = "data { layout: SYNTHETIC_MEDICAL2D root: \"" + dir.resolve("missing") + "\" }\n";
    Path dynamic = dir.resolve("dynamic.pbtxt");
    java.nio.file.Files.writeString(dynamic, "name: \"m\"\n" + model + data);
    Path fixed = dir.resolve("fixed.pbtxt");
    java.nio.file.Files.writeString(fixed, "name: \"m\"\n" + model + data + "export { input_size: [32, 48] }\n");
    ExperimentConfig parsed = ExperimentConfigLoader.load(dynamic, List.of());
    // SyntheticMedical2d's classes, one grey channel.
    int classes = SyntheticMedical2d.CLASSES.size();
    Path ckpt = ExportNormalizationTest.initialCheckpoint(dir.resolve("ckpt"), parsed,
        Experiment.create(parsed, List.of()).model(classes, 1), 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    Path base = dir.resolve("exports");

    assertEquals(0, cli.run(new String[] {"export", "--config", dynamic.toString(), "--checkpoint", ckpt.toString(),
        "--base", base.toString(), "--name", "m"}), err.toString(StandardCharsets.UTF_8));
    String said = out.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("synthetic") && said.contains("[64, 64, 1]") && said.contains("missing"), said);
    // UNet stride 16: 64 is already a multiple.
    assertEquals(List.of(1L, 64L, 64L, 1L), warmupShape(base.resolve("m/1")));

    assertEquals(0, cli.run(new String[] {"export", "--config", fixed.toString(), "--checkpoint", ckpt.toString(),
        "--base", base.toString(), "--name", "m", "--label", "canary"}), err.toString(StandardCharsets.UTF_8));
    assertEquals(List.of(1L, 32L, 48L, 1L), warmupShape(base.resolve("m/2")));
    String config = java.nio.file.Files.readString(base.resolve("models.config")).replaceAll("\\s+", " ");
    assertTrue(config.contains("key: \"stable\" value: 1") && config.contains("key: \"canary\" value: 2"), config);
  }
}
