package org.delineo.training.data.augment;

import static org.delineo.training.data.augment.TestSamples.floats;
import static org.delineo.training.data.augment.TestSamples.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * rot90 against numpy.rot90 results written out by hand for [[1, 2, 3], [4, 5, 6]] (exact):
 * k=1 [[3, 6], [2, 5], [1, 4]], k=2 [[6, 5, 4], [3, 2, 1]], k=3 [[4, 1], [5, 2], [6, 3]].
 */
class RandomRot90Test {
  private static final Sample TWO_BY_THREE = TestSamples.grey(
      new float[][] {{1, 2, 3}, {4, 5, 6}}, new int[][] {{11, 12, 13}, {14, 15, 16}});

  @Test
  void quarterTurnsMatchNumpy() {
    RandomRot90 rot = new RandomRot90();
    Sample k1 = rot.rotate(TWO_BY_THREE, 1);
    assertArrayEquals(ints(3, 2, 1), k1.imageShape());
    assertArrayEquals(ints(3, 2), k1.labelShape());
    assertArrayEquals(floats(3, 6, 2, 5, 1, 4), k1.image());
    assertArrayEquals(ints(13, 16, 12, 15, 11, 14), k1.label());
    Sample k2 = rot.rotate(TWO_BY_THREE, 2);
    assertArrayEquals(ints(2, 3, 1), k2.imageShape());
    assertArrayEquals(floats(6, 5, 4, 3, 2, 1), k2.image());
    assertArrayEquals(ints(16, 15, 14, 13, 12, 11), k2.label());
    Sample k3 = rot.rotate(TWO_BY_THREE, 3);
    assertArrayEquals(ints(3, 2, 1), k3.imageShape());
    assertArrayEquals(floats(4, 1, 5, 2, 6, 3), k3.image());
    assertArrayEquals(ints(14, 11, 15, 12, 16, 13), k3.label());
    assertSame(TWO_BY_THREE, rot.rotate(TWO_BY_THREE, 0));
  }

  @Test
  void swapsSpacingOnOddTurns() {
    Sample s = new Sample("s", floats(1, 2, 3, 4, 5, 6), ints(2, 3, 1), null, null,
        new double[] {0.5, 2.0});
    Sample out = new RandomRot90().rotate(s, 1);
    assertArrayEquals(new double[] {2.0, 0.5}, out.spacing());
  }

  @Test
  void volumeInTheDepthHeightPlane() {
    // [2, 3, 1, 1]: the (D, H) plane holds [[1, 2, 3], [4, 5, 6]]; k=1 gives [[3, 6], [2, 5], [1, 4]].
    Sample v = new Sample("v", floats(1, 2, 3, 4, 5, 6), ints(2, 3, 1, 1), ints(1, 2, 3, 4, 5, 6),
        ints(2, 3, 1), new double[] {1, 1, 1});
    Sample out = new RandomRot90(0, 1).rotate(v, 1);
    assertArrayEquals(ints(3, 2, 1, 1), out.imageShape());
    assertArrayEquals(floats(3, 6, 2, 5, 1, 4), out.image());
    assertArrayEquals(ints(3, 6, 2, 5, 1, 4), out.label());
  }

  @Test
  void volumeDefaultPlaneRotatesEachSlice() {
    // [2, 2, 2, 1], slices [[0, 1], [2, 3]] and [[4, 5], [6, 7]]; k=1 per slice: [[1, 3], [0, 2]].
    Sample v = new Sample("v", floats(0, 1, 2, 3, 4, 5, 6, 7), ints(2, 2, 2, 1), null, null, null);
    Sample out = new RandomRot90().rotate(v, 1);
    assertArrayEquals(floats(1, 3, 0, 2, 5, 7, 4, 6), out.image());
  }

  @Test
  void drawsEveryQuarterTurn() {
    Set<Float> firstValues = new HashSet<>();
    for (long seed = 0; seed < 40; seed++) {
      firstValues.add(new RandomRot90().apply(TWO_BY_THREE, new SplittableRandom(seed)).image()[0]);
    }
    // k = 0, 1, 2, 3 put 1, 3, 6, 4 first.
    assertEquals(Set.of(1f, 3f, 6f, 4f), firstValues);
  }
}
