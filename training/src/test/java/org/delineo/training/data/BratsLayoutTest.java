package org.delineo.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BratsLayoutTest {
  private static final int D = 2;
  private static final int H = 3;
  private static final int W = 4;
  private static final int N = D * H * W;
  private static final double[] SPACING_XYZ = {0.5, 0.75, 2.0};

  @TempDir Path root;

  /** Writes a case whose modality m holds 1000 * (m + 1) + voxel index; seg cycles 0,1,2,4. */
  private void writeCase(String id, String ext, String... skip) {
    List<String> skipped = List.of(skip);
    Path dir = root.resolve(id);
    for (int m = 0; m < 4; m++) {
      String mod = BratsLayout.MODALITIES.get(m);
      if (!skipped.contains(mod)) {
        VolumeFixtures.write(dir.resolve(id + "_" + mod + ext),
            VolumeFixtures.ramp(D, H, W, 1000 * (m + 1)), new int[] {D, H, W}, SPACING_XYZ);
      }
    }
    if (!skipped.contains("seg")) {
      VolumeFixtures.write(dir.resolve(id + "_seg" + ext), segValues(), new int[] {D, H, W},
          SPACING_XYZ);
    }
  }

  private static float[] segValues() {
    float[] seg = new float[N];
    int[] cycle = {0, 1, 2, 4};
    for (int i = 0; i < N; i++) {
      seg[i] = cycle[i % 4];
    }
    return seg;
  }

  @Test
  void stacksModalitiesInBratsOrderAsChannels() {
    writeCase("BraTS_001", ".nii.gz");
    writeCase("BraTS_002", ".nii");
    BratsLayout layout = new BratsLayout(root);
    assertEquals(4, layout.channels());
    assertEquals(4, layout.numClasses());
    assertTrue(layout.is3d());
    for (String id : List.of("BraTS_001", "BraTS_002")) {
      Sample s = layout.load(id);
      assertArrayEquals(new int[] {D, H, W, 4}, s.imageShape());
      assertArrayEquals(new int[] {D, H, W}, s.labelShape());
      // Voxel (z, y, x) = (1, 2, 3) is row-major index 23; channel m holds 1000 (m + 1) + 23.
      int v = (1 * H + 2) * W + 3;
      for (int m = 0; m < 4; m++) {
        assertEquals(1000f * (m + 1) + v, s.image()[v * 4 + m], 0f, "channel " + m);
      }
      assertArrayEquals(new double[] {2.0, 0.75, 0.5}, s.spacing(), 1e-6,
          "spacing [D, H, W] is the header's (x, y, z) reversed");
      int[] cycle = {0, 1, 2, 4};
      for (int i = 0; i < N; i++) {
        assertEquals(cycle[i % 4], s.label()[i], "stored labels are kept");
      }
    }
  }

  @Test
  void labelMapMakesEnhancingThree() {
    writeCase("c1", ".nii.gz");
    BratsLayout layout = new BratsLayout(root, SplitFiles.standard(root), 0, BratsLayout.enhancingTo3());
    int[] label = layout.load("c1").label();
    int[] mapped = {0, 1, 2, 3};
    for (int i = 0; i < N; i++) {
      assertEquals(mapped[i % 4], label[i]);
    }
  }

  @Test
  void missingModalityNamesCaseAndFile() {
    writeCase("c1", ".nii.gz", "t1ce");
    BratsLayout layout = new BratsLayout(root);
    assertEquals(List.of("c1"), allIds(layout), "the case is listed; loading it fails");
    DelineoException e = assertThrows(DelineoException.class, () -> layout.load("c1"));
    assertTrue(e.getMessage().contains("'c1'"), e.getMessage());
    assertTrue(e.getMessage().contains("c1_t1ce.nii.gz"), e.getMessage());
  }

  @Test
  void missingSegmentationNamesTheFile() {
    writeCase("c1", ".nii", "seg");
    DelineoException e =
        assertThrows(DelineoException.class, () -> new BratsLayout(root).load("c1"));
    assertTrue(e.getMessage().contains("c1_seg.nii.gz"), e.getMessage());
  }

  @Test
  void shapeMismatchReportsExpectedAndFound() {
    writeCase("c1", ".nii.gz", "seg");
    VolumeFixtures.write(root.resolve("c1/c1_seg.nii.gz"), new float[D * H * (W + 1)],
        new int[] {D, H, W + 1}, SPACING_XYZ);
    DelineoException e =
        assertThrows(DelineoException.class, () -> new BratsLayout(root).load("c1"));
    assertTrue(e.getMessage().contains("c1_seg.nii.gz"), e.getMessage());
    assertTrue(e.getMessage().contains("[2, 3, 4]"), "expected shape: " + e.getMessage());
    assertTrue(e.getMessage().contains("[2, 3, 5]"), "found shape: " + e.getMessage());
  }

  @Test
  void unexpectedLabelValueNamesFileAndValue() {
    writeCase("c1", ".nii.gz", "seg");
    float[] seg = new float[N];
    seg[5] = 3;
    VolumeFixtures.write(root.resolve("c1/c1_seg.nii.gz"), seg, new int[] {D, H, W}, SPACING_XYZ);
    DelineoException e =
        assertThrows(DelineoException.class, () -> new BratsLayout(root).load("c1"));
    assertTrue(e.getMessage().contains("c1_seg.nii.gz"), e.getMessage());
    assertTrue(e.getMessage().contains("label value 3"), e.getMessage());
  }

  @Test
  void foldersWithoutCaseFilesAndUnknownIdsAreRejected() throws IOException {
    writeCase("c1", ".nii.gz");
    Files.createDirectories(root.resolve("notes"));
    Files.writeString(root.resolve("notes/readme.txt"), "x");
    BratsLayout layout = new BratsLayout(root);
    assertEquals(List.of("c1"), allIds(layout));
    assertThrows(DelineoException.class, () -> layout.load("c2"));
    assertFalse(Files.exists(root.resolve("splits")), "opening a dataset writes nothing");
    DelineoException missingRoot =
        assertThrows(DelineoException.class, () -> new BratsLayout(root.resolve("nope")));
    assertTrue(missingRoot.getMessage().contains("nope"), missingRoot.getMessage());
  }

  static List<String> allIds(SegmentationDataset dataset) {
    List<String> all = new java.util.ArrayList<>();
    for (Split split : Split.values()) {
      all.addAll(dataset.ids(split));
    }
    all.sort(null);
    return all;
  }
}
