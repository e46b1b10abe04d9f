package org.delineo.training.data.brats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A BraTS case directory as a prediction input, from tiny hand-written volumes: modality m's voxel
 * v holds 10 m + v + 1, so every stacked value says where it came from.
 */
class BratsCaseInputTest {
  private static final String ID = "case7";
  private static final boolean[] ALL = {true, true, true, true};
  @TempDir Path root;
  private Path dir;

  /** Row-major [D=1, H=2, W=3] volume of modality {@code m} (flair 0, t1ce 1, t1 2, t2 3). */
  private void write(String name, int m, int[] shape) {
    int n = shape[0] * shape[1] * shape[2];
    float[] data = new float[n];
    for (int v = 0; v < n; v++) {
      data[v] = 10 * m + v + 1;
    }
    NiftiWriter.write(dir.resolve(ID + "_" + name + ".nii.gz"), NiftiVolume.ofRowMajor(data, shape, new double[] {1, 1, 1}));
  }

  @BeforeEach
  void caseDir() throws IOException {
    dir = Files.createDirectories(root.resolve(ID));
  }

  @Test
  void stacksTheModalitiesAsChannels() {
    int[] shape = {1, 2, 3};
    write("flair", 0, shape);
    write("t1ce", 1, shape);
    write("t1", 2, shape);
    write("t2", 3, shape);
    BratsCaseInput in = BratsCaseInput.read(dir, ALL, false);
    assertEquals(ID, in.id());
    assertArrayEquals(new int[] {1, 2, 3, 4}, in.shape());
    assertNull(in.mask(), "all present: no mask, so 4-channel exports take it");
    assertEquals(List.of(), in.missing());
    assertArrayEquals(new float[] {1, 11, 21, 31, 2, 12, 22, 32}, Arrays.copyOf(in.image(), 8),
        "voxel 0 then voxel 1, channels flair, t1ce, t1, t2");
  }

  @Test
  void unavailableModalitiesAreZerosWithTheirFlagFalse() {
    int[] shape = {1, 2, 3};
    write("t1ce", 1, shape);
    write("t2", 3, shape);
    // flair is declared but has no file (allowed missing); t1 is not declared although it exists.
    write("t1", 2, shape);
    BratsCaseInput in = BratsCaseInput.read(dir, new boolean[] {true, true, false, true}, true);
    assertArrayEquals(new boolean[] {false, true, false, true}, in.mask());
    assertEquals(List.of("flair", "t1"), in.missing());
    assertArrayEquals(new float[] {0, 11, 0, 31}, Arrays.copyOf(in.image(), 4));
    assertEquals(11f, in.reference().data()[0], "the first available modality (t1ce) gives the grid");
  }

  @Test
  void refusesMissingFilesAndMismatchedShapes() {
    write("flair", 0, new int[] {1, 2, 3});
    DelineoException missing = assertThrows(DelineoException.class, () -> BratsCaseInput.read(dir, ALL, false));
    assertTrue(missing.getMessage().contains(ID + "_t1ce.nii.gz") && missing.getMessage().contains("--allow-missing"),
        missing.getMessage());
    write("t1ce", 1, new int[] {1, 3, 2});
    ShapeMismatchException shapes = assertThrows(ShapeMismatchException.class,
        () -> BratsCaseInput.read(dir, ALL, true));
    assertTrue(shapes.getMessage().contains("[3, 2, 1]") && shapes.getMessage().contains("[2, 3, 1]"),
        shapes.getMessage());
  }

  @Test
  void classesBecomeStoredLabels() {
    write("flair", 0, new int[] {1, 1, 1});
    BratsCaseInput in = BratsCaseInput.read(dir, ALL, true);
    assertArrayEquals(new int[] {0, 1, 2, 4, 4}, in.storedLabels(new int[] {0, 1, 2, 3, 3}));
    DelineoException other = assertThrows(DelineoException.class, () -> in.storedLabels(new int[] {0, 4}));
    assertTrue(other.getMessage().contains("class 4") && other.getMessage().contains("4 classes"), other.getMessage());
  }
}
