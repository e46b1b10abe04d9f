package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ExportConfig;
import org.delineo.serving.WarmupInput;
import org.junit.jupiter.api.Test;

/** The export's signature size from the config and the fitting of warm-up samples to it. */
class ExportCommandTest {

  private static ExperimentConfig config(ExportConfig export, Integer... crop) {
    return ExperimentConfig.newBuilder().setExport(export)
        .setData(DataConfig.newBuilder().addAllCropSize(java.util.List.of(crop))).build();
  }

  @Test
  void inputSizeComesFromExportThenCropAndVolumesPutDepthFirst() {
    assertArrayEquals(new long[] {32, 48},
        ExportCommand.inputSize(config(ExportConfig.newBuilder().addInputSize(32).addInputSize(48).build(), 64, 64), 2));
    assertArrayEquals(new long[] {64, 96}, ExportCommand.inputSize(config(ExportConfig.getDefaultInstance(), 64, 96), 2));
    // (H, W, D) in the config -> placeholder order (D, H, W).
    assertArrayEquals(new long[] {16, 80, 96}, ExportCommand.inputSize(config(ExportConfig.getDefaultInstance(), 80, 96, 16), 3));
    assertNull(ExportCommand.inputSize(config(ExportConfig.getDefaultInstance()), 2), "no size given: dynamic");
    assertNull(ExportCommand.inputSize(config(ExportConfig.newBuilder().setDynamicSize(true).build(), 64, 64), 2));
    DelineoException e = assertThrows(DelineoException.class,
        () -> ExportCommand.inputSize(config(ExportConfig.getDefaultInstance(), 64, 64), 3));
    assertTrue(e.getMessage().contains("expected 3 values") && e.getMessage().contains("found 2"), e.getMessage());
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
    WarmupInput fitted = ExportCommand.fitTo(new long[] {2, 3, 2}, values, new long[] {3, 2});
    assertArrayEquals(new long[] {3, 2, 2}, fitted.shape());
    assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 10, 10.5f, 11, 11.5f, 0, 0, 0, 0}, fitted.values(), 0f,
        "exact copies (tolerance 0)");
  }
}
