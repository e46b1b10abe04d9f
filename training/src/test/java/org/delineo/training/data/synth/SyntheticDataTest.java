package org.delineo.training.data.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.DatasetInfo;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDataTest {
  @TempDir Path tmp;

  @Test
  void unknownKindListsTheValidOnes() {
    DelineoException e = assertThrows(DelineoException.class,
        () -> SyntheticData.write("scenes3d", tmp.resolve("x"), 2, 0));
    assertTrue(e.getMessage().contains("'scenes3d'"), e.getMessage());
    assertTrue(e.getMessage().contains("scenes2d, brats3d, medical2d"), e.getMessage());
  }

  @Test
  void writesSplitsAndDescription() throws IOException {
    SegmentationDataset d = SyntheticData.write("scenes2d", tmp.resolve("s"), 10, 1);
    List<String> all = new ArrayList<>();
    for (Split split : Split.values()) {
      Path file = tmp.resolve("s/splits/" + split.fileName());
      assertTrue(Files.isRegularFile(file), file + " written");
      List<String> lines = Files.readAllLines(file);
      assertEquals(d.ids(split), lines, "layout reads what was written");
      all.addAll(lines);
    }
    assertEquals(10, all.size());
    assertEquals(10, new HashSet<>(all).size(), "splits are disjoint");
    assertEquals(List.of(2, 2, 6), List.of(d.ids(Split.VAL).size(), d.ids(Split.TEST).size(),
        d.ids(Split.TRAIN).size()), "round(0.15 * 10) = 2 for val and test");
    DatasetInfo info = DatasetInfo.read(tmp.resolve("s")).orElseThrow();
    assertEquals("5", info.get("classes").orElseThrow());
    assertEquals("disk", info.get("class.1").orElseThrow());
    assertEquals("255", info.get("ignore_label").orElseThrow());
    assertEquals(64 * 64 * 3, d.load(d.ids(Split.TRAIN).get(0)).image().length, "default 64x64");
  }

  @Test
  void refusesBadCountsAndForeignFolders() throws IOException {
    assertThrows(DelineoException.class, () -> SyntheticData.write("brats3d", tmp, 0, 0));
    Files.writeString(tmp.resolve("thesis.tex"), "precious");
    DelineoException e = assertThrows(DelineoException.class,
        () -> SyntheticData.write("scenes2d", tmp, 1, 0));
    assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
    SyntheticData.write(new SyntheticScenes2d(16, 16), tmp.resolve("d"), 1, 0);
    SyntheticData.write(new SyntheticScenes2d(16, 16), tmp.resolve("d"), 2, 0);
    DelineoException otherKind = assertThrows(DelineoException.class,
        () -> SyntheticData.write("medical2d", tmp.resolve("d"), 1, 0));
    assertTrue(otherKind.getMessage().contains("'scenes2d' dataset"), otherKind.getMessage());
  }

  @Test
  void explicitSizesAreHonouredAndCheckedForLength() {
    SegmentationDataset d = SyntheticData.write(
        SyntheticData.generator("scenes2d", new int[] {32, 48}), tmp.resolve("big"), 2, 0);
    assertEquals(32 * 48 * 3, d.load(d.ids(Split.TRAIN).get(0)).image().length, "32x48 RGB");
    DelineoException e = assertThrows(DelineoException.class,
        () -> SyntheticData.generator("brats3d", new int[] {32, 32}));
    assertTrue(e.getMessage().contains("3 numbers (D,H,W), found 2"), e.getMessage());
  }
}
