package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * Crops checked as sub-windows of coded samples (every value names its position, so the window's
 * origin is read off its first pixel and every other value checked against it; exact).
 */
class RandomCropTest {

  @Test
  void cropIsASubWindowAndEveryOriginOccurs() {
    Sample s = TestSamples.coded2d(5, 6, 2);
    Set<String> origins = new HashSet<>();
    for (long seed = 0; seed < 300; seed++) {
      Sample out = new RandomCrop(3, 4).apply(s, new SplittableRandom(seed));
      assertArrayEquals(new int[] {3, 4, 2}, out.imageShape());
      assertArrayEquals(new int[] {3, 4}, out.labelShape());
      int y0 = (int) (out.image()[0] - 1) / 100;
      int x0 = (int) ((out.image()[0] - 1) % 100) / 10;
      assertTrue(y0 >= 0 && y0 <= 2 && x0 >= 0 && x0 <= 2, "origin " + y0 + "," + x0);
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 4; x++) {
          for (int ch = 0; ch < 2; ch++) {
            assertEquals(100 * (y + y0) + 10 * (x + x0) + ch + 1, out.image()[(y * 4 + x) * 2 + ch]);
          }
          assertEquals(((y + y0) * 6 + x + x0) % 3, out.label()[y * 4 + x]);
        }
      }
      origins.add(y0 + "," + x0);
    }
    assertEquals(9, origins.size(), "all 3x3 origins should occur in 300 draws: " + origins);
  }

  @Test
  void volumeCropIsASubWindow() {
    Sample s = TestSamples.coded3d(4, 3, 5, 1);
    for (long seed = 0; seed < 50; seed++) {
      Sample out = new RandomCrop(2, 3, 2).apply(s, new SplittableRandom(seed));
      assertArrayEquals(new int[] {2, 3, 2, 1}, out.imageShape());
      int v0 = (int) out.image()[0] - 1;
      int z0 = v0 / 1000;
      int y0 = v0 % 1000 / 100;
      int x0 = v0 % 100 / 10;
      assertTrue(z0 <= 2 && y0 == 0 && x0 <= 3, "origin " + z0 + "," + y0 + "," + x0);
      for (int z = 0; z < 2; z++) {
        for (int y = 0; y < 3; y++) {
          for (int x = 0; x < 2; x++) {
            int i = (z * 3 + y) * 2 + x;
            assertEquals(1000 * (z + z0) + 100 * (y + y0) + 10 * (x + x0) + 1, out.image()[i]);
            assertEquals((z + z0 + y + y0 + x + x0) % 2 + 1, out.label()[i]);
          }
        }
      }
    }
  }

  @Test
  void smallerSampleIsPlacedInsideAndPaddedWith255ForScenes() {
    Sample s = TestSamples.coded2d(2, 2, 1); // values 1, 11, 101, 111; labels 0, 1, 2, 0
    Set<String> placements = new HashSet<>();
    for (long seed = 0; seed < 100; seed++) {
      Sample out = new RandomCrop(3, 4).apply(s, new SplittableRandom(seed));
      int found = 0;
      int py = -1;
      int px = -1;
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 4; x++) {
          float v = out.image()[y * 4 + x];
          if (v == 1f) {
            py = y;
            px = x;
          }
          if (v == 0f) {
            assertEquals(255, out.label()[y * 4 + x], "padded label at " + y + "," + x);
          } else {
            found++;
          }
        }
      }
      assertEquals(4, found, "all four original pixels inside the window");
      assertEquals(11f, out.image()[py * 4 + px + 1]);
      assertEquals(101f, out.image()[(py + 1) * 4 + px]);
      assertEquals(111f, out.image()[(py + 1) * 4 + px + 1]);
      assertEquals(1, out.label()[py * 4 + px + 1]);
      assertEquals(2, out.label()[(py + 1) * 4 + px]);
      placements.add(py + "," + px);
    }
    assertEquals(6, placements.size(), "2 x 3 placements of a 2x2 sample in a 3x4 window");
  }

  @Test
  void volumesPadWithBackgroundAndFillIsConfigurable() {
    Sample s = TestSamples.coded3d(1, 2, 2, 1); // labels 1 and 2 only
    Sample out = new RandomCrop(2, 2, 2).apply(s, new SplittableRandom(1));
    int zeros = 0;
    for (int v : out.label()) {
      zeros += v == 0 ? 1 : 0;
    }
    assertEquals(4, zeros, "one padded slice of 4 voxels labelled 0");
    Sample custom = new RandomCrop(2, 2, 2).withFill(new Fill(-1f, 9))
        .apply(s, new SplittableRandom(1));
    for (int i = 0; i < 8; i++) {
      assertEquals(custom.image()[i] == -1f, custom.label()[i] == 9, "fill at " + i);
    }
  }

  @Test
  void catMaxRatioPrefersMixedWindows() {
    // 8x8, left half class 0, right half class 1; 4x4 windows at x0 = 0..4. Only x0 = 2 has a
    // largest-class share below 0.75 (2/4); the others are 1, 3/4, 3/4, 1.
    float[][] img = new float[8][8];
    int[][] lab = new int[8][8];
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        img[y][x] = x;
        lab[y][x] = x < 4 ? 0 : 1;
      }
    }
    Sample s = TestSamples.grey(img, lab);
    int plain = 0;
    int balanced = 0;
    int trials = 200;
    for (long seed = 0; seed < trials; seed++) {
      plain += new RandomCrop(4, 4).apply(s, new SplittableRandom(seed)).image()[0] == 2f ? 1 : 0;
      balanced += new RandomCrop(4, 4).withCatMaxRatio(0.75, 255)
          .apply(s, new SplittableRandom(seed)).image()[0] == 2f ? 1 : 0;
    }
    // Plain crops hit x0 = 2 with probability 1/5; with up to 11 draws, 1 - (4/5)^11 ≈ 0.91.
    assertTrue(plain < trials * 0.35, "plain crops at x0=2: " + plain);
    assertTrue(balanced > trials * 0.8, "cat_max_ratio crops at x0=2: " + balanced);
  }

  @Test
  void sizeOfWrongRankIsAShapeError() {
    assertThrows(ShapeMismatchException.class,
        () -> new RandomCrop(2, 2, 2).apply(TestSamples.coded2d(4, 4, 1), new SplittableRandom(1)));
  }
}
