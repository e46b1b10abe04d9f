package org.delineo.training.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.delineo.training.data.CityscapesLayout;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticScenes2dTest {
  private static final int H = 32;
  private static final int W = 40;
  private static final int CASES = 8;
  private static final SyntheticScenes2d GENERATOR = new SyntheticScenes2d(H, W);

  @TempDir static Path dir;
  private static SegmentationDataset dataset;
  private static List<Sample> samples;

  @BeforeAll
  static void generate() {
    dataset = SyntheticData.write(GENERATOR, dir.resolve("a"), CASES, 3);
    samples = new ArrayList<>();
    for (Split split : Split.values()) {
      for (String id : dataset.ids(split)) {
        samples.add(dataset.load(id));
      }
    }
  }

  @Test
  void loadsBackThroughTheCityscapesLayout() {
    assertTrue(dataset instanceof CityscapesLayout);
    assertEquals(5, dataset.numClasses(), "from dataset.txt");
    assertEquals(CASES, samples.size());
    for (Sample s : samples) {
      assertArrayEquals(new int[] {H, W, 3}, s.imageShape());
      int index = Integer.parseInt(s.id().substring("scene_".length()));
      SyntheticScenes2d.Scene scene = GENERATOR.render(index, 3);
      assertArrayEquals(scene.labels(), s.label(), s.id() + " labels round-trip");
      for (int i = 0; i < scene.rgb().length; i++) {
        assertEquals(scene.rgb()[i], s.image()[i], 0f, s.id() + " 8-bit values round-trip");
      }
    }
  }

  @Test
  void everySceneHasIgnoreAndTheClassesAllAppear() {
    int[] seen = new int[256];
    for (Sample s : samples) {
      boolean ignore = false;
      for (int l : s.label()) {
        assertTrue(l <= 4 || l == 255, s.id() + ": label " + l);
        ignore |= l == 255;
        seen[l]++;
      }
      assertTrue(ignore, s.id() + " has 255 pixels");
      // The ego-vehicle band: the bottom row is ignore everywhere.
      for (int x = 0; x < W; x++) {
        assertEquals(255, s.label()[(H - 1) * W + x], s.id() + " bottom row");
      }
    }
    for (int c = 0; c <= 4; c++) {
      assertTrue(seen[c] > 0, "class " + c + " appears in " + CASES + " scenes");
    }
  }

  @Test
  void shapesAreTheGeometryTheirClassNames() {
    // Closed forms: a disk of radius r has area pi r^2; the square's half side is 0.85 r, area
    // (1.7 r)^2; the equilateral triangle has inradius 0.7 r, area 3 sqrt(3) (0.7 r)^2. Counting
    // pixel centres on a fine grid must match to within 3 % (discretisation).
    double r = 40;
    double[] expected = {Math.PI * r * r, 1.7 * r * 1.7 * r, 3 * Math.sqrt(3) * 0.49 * r * r};
    int[] classes = {SyntheticScenes2d.DISK, SyntheticScenes2d.SQUARE, SyntheticScenes2d.TRIANGLE};
    for (int k = 0; k < 3; k++) {
      int count = 0;
      for (int y = -100; y < 100; y++) {
        for (int x = -100; x < 100; x++) {
          if (SyntheticScenes2d.inside(classes[k], x + 0.5, y + 0.5, r, 0.3)) {
            count++;
          }
        }
      }
      assertEquals(expected[k], count, 0.03 * expected[k], "area of class " + classes[k]);
    }
  }

  @Test
  void sameSeedGivesIdenticalFilesAnotherSeedDifferentOnes(@TempDir Path tmp) {
    SyntheticData.write(GENERATOR, tmp.resolve("same"), CASES, 3);
    FileTrees.assertIdentical(dir.resolve("a"), tmp.resolve("same"));
    SyntheticData.write(GENERATOR, tmp.resolve("other"), CASES, 4);
    // 8 images + 8 label maps; every image must differ.
    assertTrue(FileTrees.differing(dir.resolve("a"), tmp.resolve("other")) >= 2 * CASES - 1);
  }
}
