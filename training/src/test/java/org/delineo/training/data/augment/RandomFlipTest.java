package org.delineo.training.data.augment;

import static org.delineo.training.data.augment.TestSamples.floats;
import static org.delineo.training.data.augment.TestSamples.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/** Flips against hand-written index mappings (exact: flips only move values). */
class RandomFlipTest {
  private static final Sample TWO_BY_THREE = TestSamples.grey(
      new float[][] {{1, 2, 3}, {4, 5, 6}}, new int[][] {{0, 1, 2}, {3, 4, 5}});

  @Test
  void flipsWidth() {
    Sample out = RandomFlip.perAxis(0, 1).apply(TWO_BY_THREE, new SplittableRandom(1));
    assertArrayEquals(floats(3, 2, 1, 6, 5, 4), out.image());
    assertArrayEquals(ints(2, 1, 0, 5, 4, 3), out.label());
    assertArrayEquals(ints(2, 3, 1), out.imageShape());
    assertArrayEquals(ints(2, 3), out.labelShape());
  }

  @Test
  void flipsHeight() {
    Sample out = RandomFlip.perAxis(1, 0).apply(TWO_BY_THREE, new SplittableRandom(1));
    assertArrayEquals(floats(4, 5, 6, 1, 2, 3), out.image());
    assertArrayEquals(ints(3, 4, 5, 0, 1, 2), out.label());
  }

  @Test
  void flipsBothAxes() {
    Sample out = RandomFlip.allAxes(1).apply(TWO_BY_THREE, new SplittableRandom(1));
    assertArrayEquals(floats(6, 5, 4, 3, 2, 1), out.image());
    assertArrayEquals(ints(5, 4, 3, 2, 1, 0), out.label());
  }

  @Test
  void keepsChannelsOfAPixelTogether() {
    // [1, 2, 2] pixels (a0, a1), (b0, b1): a width flip swaps whole pixels.
    Sample s = new Sample("c", floats(1, 2, 3, 4), ints(1, 2, 2), ints(7, 8), ints(1, 2), null);
    Sample out = RandomFlip.horizontal(1).apply(s, new SplittableRandom(3));
    assertArrayEquals(floats(3, 4, 1, 2), out.image());
    assertArrayEquals(ints(8, 7), out.label());
  }

  @Test
  void flipsDepthOfAVolume() {
    // [2, 2, 2, 1]: value index z*4 + y*2 + x; flipping D maps (z, y, x) to (1 - z, y, x).
    float[] img = floats(0, 1, 2, 3, 4, 5, 6, 7);
    int[] lab = ints(0, 1, 2, 3, 4, 5, 6, 7);
    Sample s = new Sample("v", img, ints(2, 2, 2, 1), lab, ints(2, 2, 2), new double[] {1, 1, 1});
    Sample d = RandomFlip.perAxis(1, 0, 0).apply(s, new SplittableRandom(1));
    assertArrayEquals(floats(4, 5, 6, 7, 0, 1, 2, 3), d.image());
    assertArrayEquals(ints(4, 5, 6, 7, 0, 1, 2, 3), d.label());
    // horizontal() on a volume flips only W: (z, y, x) -> (z, y, 1 - x).
    Sample w = RandomFlip.horizontal(1).apply(s, new SplittableRandom(1));
    assertArrayEquals(floats(1, 0, 3, 2, 5, 4, 7, 6), w.image());
  }

  @Test
  void probabilityZeroReturnsTheInput() {
    assertSame(TWO_BY_THREE, RandomFlip.allAxes(0).apply(TWO_BY_THREE, new SplittableRandom(5)));
  }

  @Test
  void halfProbabilityProducesEveryFlipCombination() {
    Set<List<Float>> seen = new HashSet<>();
    for (long seed = 0; seed < 64; seed++) {
      float[] img = RandomFlip.allAxes(0.5).apply(TWO_BY_THREE, new SplittableRandom(seed)).image();
      seen.add(List.of(img[0], img[5]));
    }
    assertTrue(seen.size() == 4, "expected all 4 flip combinations in 64 draws, found " + seen);
  }

  @Test
  void wrongNumberOfProbabilitiesIsAShapeError() {
    assertThrows(ShapeMismatchException.class,
        () -> RandomFlip.perAxis(0.5, 0.5, 0.5).apply(TWO_BY_THREE, new SplittableRandom(1)));
  }
}
