package org.delineo.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROMISE12 cases written as tiny MetaImage files, and their 2D slices through SliceDataset. */
class Promise12LayoutTest {
  // x = 3, y = 2, z = 2
  private static final int NX = 3;
  private static final int NY = 2;
  private static final int NZ = 2;

  @TempDir Path root;

  /** Writes {@code dir/name.mhd} + {@code .raw} as MET_SHORT (little-endian) with ZYX values. */
  private static void writeShorts(Path dir, String name, int[] values) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(name + ".mhd"), "ObjectType = Image\nNDims = 3\n"
        + "BinaryDataByteOrderMSB = False\nElementSpacing = 0.6 0.7 3.5\nDimSize = " + NX + " "
        + NY + " " + NZ + "\nElementType = MET_SHORT\nElementDataFile = " + name + ".raw\n",
        StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putShort((short) v);
    }
    Files.write(dir.resolve(name + ".raw"), b.array());
  }

  /** Image value of voxel i (z, y, x row-major) for case k: 100 k + 10 i, so min 100 k, max 100 k + 110. */
  private static int[] image(int k) {
    int[] v = new int[NX * NY * NZ];
    for (int i = 0; i < v.length; i++) {
      v[i] = 100 * k + 10 * i;
    }
    return v;
  }

  private static final int[] SEG = {0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1};

  private void writeCases(int n) throws IOException {
    for (int k = 0; k < n; k++) {
      Path dir = root.resolve("TrainingData_Part" + (1 + k % 2));
      writeShorts(dir, String.format("Case%02d", k), image(k));
      writeShorts(dir, String.format("Case%02d_segmentation", k), SEG);
    }
  }

  private Promise12Layout openAllTrain(int n) throws IOException {
    writeCases(n);
    Files.createDirectories(root.resolve("splits"));
    StringBuilder all = new StringBuilder();
    for (int k = 0; k < n; k++) {
      all.append(String.format("Case%02d%n", k));
    }
    Files.writeString(root.resolve("splits/train.txt"), all);
    return new Promise12Layout(root);
  }

  @Test
  void loadsCasesAsVolumesWithZyxSpacing() throws IOException {
    Promise12Layout layout = openAllTrain(3);
    assertEquals(List.of("Case00", "Case01", "Case02"), layout.ids(Split.TRAIN));
    Sample s = layout.load("Case01");
    assertArrayEquals(new int[] {NZ, NY, NX, 1}, s.imageShape());
    assertArrayEquals(new int[] {NZ, NY, NX}, s.labelShape());
    assertArrayEquals(new double[] {3.5, 0.7, 0.6}, s.spacing(), 1e-12, "[sz, sy, sx]");
    assertEquals(100 + 10 * 7, s.image()[7], 0f, "raw intensities");
    assertArrayEquals(SEG, s.label());
    assertEquals(2, layout.numClasses());
    assertTrue(layout.is3d());
  }

  @Test
  void missingSegmentationNamesTheExpectedPath() throws IOException {
    Promise12Layout layout = openAllTrain(1);
    Path seg = root.resolve("TrainingData_Part1/Case00_segmentation.mhd");
    Files.delete(seg);
    DelineoException e = assertThrows(DelineoException.class, () -> layout.load("Case00"));
    assertTrue(e.getMessage().contains(seg.toString()), e.getMessage());
  }

  @Test
  void slicesAreScaledPerVolumeAndKeepTheirCase() throws IOException {
    SliceDataset slices = new SliceDataset(openAllTrain(2));
    assertEquals(List.of("Case00#0", "Case00#1", "Case01#0", "Case01#1"),
        slices.ids(Split.TRAIN));
    assertFalse(slices.is3d());
    Sample s = slices.load("Case01#1");
    assertArrayEquals(new int[] {NY, NX, 1}, s.imageShape());
    assertArrayEquals(new double[] {0.7, 0.6}, s.spacing(), 1e-12, "[sy, sx]");
    // Slice 1 holds voxels 6..11; min-max over the whole volume: (10 i) / 110, tolerance 1e-6.
    for (int j = 0; j < 6; j++) {
      assertEquals(10.0 * (6 + j) / 110.0, s.image()[j], 1e-6, "voxel " + (6 + j));
    }
    assertArrayEquals(new int[] {1, 0, 0, 1, 1, 1}, s.label());
    assertEquals("Case01", slices.caseOf("Case01#1"));
    assertEquals("Case01", SliceDataset.volumeOf("Case01#1"));
    assertEquals(1, SliceDataset.sliceOf("Case01#1"));
    assertThrows(DelineoException.class, () -> slices.load("Case01#2"));
    assertThrows(DelineoException.class, () -> SliceDataset.sliceOf("Case01"));
  }

  @Test
  void constantVolumeScalesToZero() {
    float[] v = new float[12];
    java.util.Arrays.fill(v, 42f);
    Sample scaled = SliceDataset.minMaxScaled(new Sample("c", v, new int[] {2, 2, 3, 1}, null,
        null, new double[] {1, 1, 1}));
    assertArrayEquals(new float[12], scaled.image(), 0f);
  }

  @Test
  void emptyRootIsAnError() {
    DelineoException e = assertThrows(DelineoException.class, () -> new Promise12Layout(root));
    assertTrue(e.getMessage().contains("CaseXX.mhd"), e.getMessage());
  }
}
