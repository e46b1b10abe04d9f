package org.delineo.training.data.pipeline;

import org.delineo.training.data.VolumeFixtures;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.AcdcLayout;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.data.Split;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.delineo.graph.DelineoException;
import org.delineo.training.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DatasetCheck} on volume layouts, and {@link CropSizeCheck}'s messages per rank. */
class DatasetCheckTest {
  private static final int[] SHAPE = {2, 3, 5};
  private static final double[] SPACING = {1, 1, 1};

  @TempDir
  Path root;

  @Test
  void slicedAcdcVolumesPassWithTheirSliceSizes() throws IOException {
    acdc(3);
    DatasetCheck.Report report = DatasetCheck.run(new SliceDataset(new AcdcLayout(root)),
        List.of(Split.TRAIN, Split.VAL));
    assertEquals(6, report.files());
    assertEquals(3, report.cases());
    // Two training volumes; the crop sees their slices, [H, W] = [3, 5].
    assertEquals(2, report.trainSizes().size());
    for (int[] size : report.trainSizes()) {
      assertArrayEquals(new int[] {3, 5}, size);
    }
  }

  @Test
  void everyBadFileIsReportedInOneLine() throws IOException {
    acdc(3);
    Path gt = root.resolve("patient002/patient002_frame01_gt.nii.gz");
    VolumeFixtures.write(gt, new float[24], new int[] {2, 3, 4}, SPACING);
    Path image = root.resolve("patient003/patient003_frame01.nii.gz");
    byte[] bytes = Files.readAllBytes(image);
    Files.write(image, Arrays.copyOf(bytes, bytes.length - 8));

    String message = assertThrows(DelineoException.class, () -> DatasetCheck.run(
        new SliceDataset(new AcdcLayout(root)), List.of(Split.TRAIN, Split.VAL))).getMessage();
    assertTrue(message.startsWith("2 of 6 files are unusable: " + gt + " is 2x3x4 (D x H x W), its image "
        + root.resolve("patient002/patient002_frame01.nii.gz") + " is 2x3x5 (D x H x W); " + image
        + ": truncated or corrupt gzip data"), message);
    assertTrue(!message.contains("\n"), message);
  }

  @Test
  void missingBratsSegmentationIsListedAtItsExpectedPath() throws IOException {
    for (String modality : BratsLayout.MODALITIES) {
      VolumeFixtures.write(root.resolve("c1/c1_" + modality + ".nii.gz"), new float[30], SHAPE, SPACING);
    }
    Files.createDirectories(root.resolve("splits"));
    Files.writeString(root.resolve("splits/train.txt"), "c1\n");
    String message = assertThrows(DelineoException.class,
        () -> DatasetCheck.run(new BratsLayout(root), List.of(Split.TRAIN))).getMessage();
    assertEquals("1 of 5 files is unusable: " + root.resolve("c1/c1_seg.nii.gz") + ": file not found", message);
  }

  @Test
  void cropWarningFor3dSaysPaddingIsBackground() {
    Optional<String> warning = CropSizeCheck.warning(List.of(4, 8, 8),
        List.of(new int[] {2, 8, 9}, new int[] {5, 8, 9}), 255, false);
    assertEquals(Optional.of("warning: data.crop_size [4, 8, 8] is larger than 1 of 2 training cases along"
        + " D (smallest 2 < 4); the crop pads the image with 0 (raw value, before mean/std normalisation)"
        + " and the label with 0 (background, which the loss counts)"), warning);
    assertEquals(Optional.empty(), CropSizeCheck.warning(List.of(2, 8, 8),
        List.of(new int[] {2, 8, 9}), 255, false));
    // 2D padding labels are 255: with another ignore index they would be trained as a class.
    String error = assertThrows(ConfigException.class, () -> CropSizeCheck.warning(List.of(8, 8),
        List.of(new int[] {8, 6}), 0, true)).getMessage();
    assertTrue(error.startsWith("data.crop_size [8, 8] is larger than 1 of 1 training cases along W (smallest"
        + " 6 < 8) before the random rescale: the crop pads labels with 255, which is not data.ignore_index (0)"),
        error);
  }

  /** Patients 1..n with one frame each, shape [2, 3, 5]; the last patient validates. */
  private void acdc(int patients) throws IOException {
    StringBuilder train = new StringBuilder();
    for (int p = 1; p <= patients; p++) {
      String patient = String.format("patient%03d", p);
      String id = patient + "_frame01";
      VolumeFixtures.write(root.resolve(patient + "/" + id + ".nii.gz"), VolumeFixtures.ramp(2, 3, 5, p), SHAPE,
          SPACING);
      VolumeFixtures.write(root.resolve(patient + "/" + id + "_gt.nii.gz"), new float[30], SHAPE, SPACING);
      if (p < patients) {
        train.append(patient).append('\n');
      }
    }
    Files.createDirectories(root.resolve("splits"));
    Files.writeString(root.resolve("splits/train.txt"), train.toString());
    Files.writeString(root.resolve("splits/val.txt"), String.format("patient%03d%n", patients));
  }
}
