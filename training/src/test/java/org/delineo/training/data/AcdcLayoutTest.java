package org.delineo.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcdcLayoutTest {
  private static final int[] SHAPE = {2, 3, 5};
  private static final double[] SPACING_XYZ = {1.25, 1.5, 10};

  @TempDir Path root;

  private void writeFrame(String patient, int frame, boolean withGt) {
    String id = String.format("%s_frame%02d", patient, frame);
    Path dir = root.resolve(patient);
    VolumeFixtures.write(dir.resolve(id + ".nii.gz"), VolumeFixtures.ramp(2, 3, 5, frame),
        SHAPE, SPACING_XYZ);
    if (withGt) {
      float[] gt = new float[30];
      for (int i = 0; i < gt.length; i++) {
        gt[i] = i % 4;
      }
      VolumeFixtures.write(dir.resolve(id + "_gt.nii.gz"), gt, SHAPE, SPACING_XYZ);
    }
  }

  @Test
  void eachFrameIsAVolumeSample() throws IOException {
    writeFrame("patient001", 1, true);
    writeFrame("patient001", 12, true);
    // ACDC's 4-D series and Info.cfg sit next to the frames and are not samples.
    VolumeFixtures.write(root.resolve("patient001/patient001_4d.nii.gz"), new float[30], SHAPE,
        SPACING_XYZ);
    Files.writeString(root.resolve("patient001/Info.cfg"), "ED: 1\nES: 12\n");
    AcdcLayout layout = new AcdcLayout(root);
    assertEquals(List.of("patient001_frame01", "patient001_frame12"),
        BratsLayoutTest.allIds(layout));
    Sample s = layout.load("patient001_frame12");
    assertArrayEquals(new int[] {2, 3, 5, 1}, s.imageShape());
    assertEquals(12f + 17, s.image()[17], 0f, "voxel 17 of a ramp starting at the frame number");
    assertArrayEquals(new double[] {10, 1.5, 1.25}, s.spacing(), 1e-6);
    for (int i = 0; i < 30; i++) {
      assertEquals(i % 4, s.label()[i]);
    }
    assertEquals(4, layout.numClasses());
    assertEquals(1, layout.channels());
  }

  @Test
  void splitFilesMayNamePatients() throws IOException {
    for (String p : List.of("patient001", "patient002", "patient003")) {
      writeFrame(p, 1, true);
      writeFrame(p, 9, true);
    }
    Files.createDirectories(root.resolve("splits"));
    Files.writeString(root.resolve("splits/train.txt"), "patient001\npatient002\n");
    Files.writeString(root.resolve("splits/test.txt"), "patient003_frame09\n");
    AcdcLayout layout = new AcdcLayout(root);
    assertEquals(List.of("patient001_frame01", "patient001_frame09", "patient002_frame01",
        "patient002_frame09"), layout.ids(Split.TRAIN));
    assertEquals(List.of("patient003_frame09"), layout.ids(Split.TEST));
    assertEquals(List.of(), layout.ids(Split.VAL));
  }

  @Test
  void missingGroundTruthNamesTheFile() {
    writeFrame("patient007", 1, false);
    DelineoException e = assertThrows(DelineoException.class,
        () -> new AcdcLayout(root).load("patient007_frame01"));
    assertTrue(e.getMessage().contains("patient007_frame01_gt.nii.gz"), e.getMessage());
  }

  @Test
  void groundTruthOfAnotherShapeIsRejected() {
    writeFrame("patient001", 1, false);
    VolumeFixtures.write(root.resolve("patient001/patient001_frame01_gt.nii.gz"), new float[24],
        new int[] {2, 3, 4}, SPACING_XYZ);
    DelineoException e = assertThrows(DelineoException.class,
        () -> new AcdcLayout(root).load("patient001_frame01"));
    assertTrue(e.getMessage().contains("expected shape [D, H, W] = [2, 3, 5]"), e.getMessage());
    assertTrue(e.getMessage().contains("found [2, 3, 4]"), e.getMessage());
  }

  @Test
  void labelsBeyondThreeAreRejected() {
    writeFrame("patient001", 1, false);
    float[] gt = new float[30];
    gt[29] = 4;
    VolumeFixtures.write(root.resolve("patient001/patient001_frame01_gt.nii.gz"), gt, SHAPE,
        SPACING_XYZ);
    DelineoException e = assertThrows(DelineoException.class,
        () -> new AcdcLayout(root).load("patient001_frame01"));
    assertTrue(e.getMessage().contains("label value 4"), e.getMessage());
  }
}
