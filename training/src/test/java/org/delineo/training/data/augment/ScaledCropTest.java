package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * The fused rescale-and-crop against its definition: {@link RandomScale} then {@link RandomCrop}
 * applied in turn, each checked on its own in its test, from the same generator state. Equal
 * bit for bit, since every output value is computed by the same formula from the same inputs.
 */
class ScaledCropTest {

  @Test
  void equalsRescaleThenCropIn2d() {
    Sample s = TestSamples.random(3, 0, 13, 17, 3, TestSamples.ints(0, 1, 2));
    int[][] crops = {{5, 7}, {13, 17}, {20, 9}, {40, 40}};
    for (int[] crop : crops) {
      for (long seed = 0; seed < 40; seed++) {
        assertSame(s, new RandomScale(0.5, 2.0), new RandomCrop(crop), seed);
      }
    }
  }

  @Test
  void equalsRescaleThenCropIn3d() {
    Sample s = TestSamples.random(4, 6, 7, 5, 2, TestSamples.ints(0, 1, 2, 3));
    for (long seed = 0; seed < 40; seed++) {
      assertSame(s, new RandomScale(0.6, 1.8), new RandomCrop(4, 8, 3), seed);
    }
  }

  @Test
  void equalsRescaleThenCropWithCatMaxRedraws() {
    // One class covers about 7/8 of the pixels, so most windows fail the 0.75 test and are redrawn.
    Sample s = TestSamples.random(5, 0, 16, 16, 1, TestSamples.ints(0, 0, 0, 0, 0, 0, 0, 1));
    RandomCrop crop = new RandomCrop(6, 6).withCatMaxRatio(0.75, 255);
    for (long seed = 0; seed < 60; seed++) {
      assertSame(s, new RandomScale(0.5, 2.0), crop, seed);
    }
  }

  @Test
  void equalsRescaleThenCropWithoutLabel() {
    Sample l = TestSamples.random(6, 0, 9, 11, 2, TestSamples.ints(0, 1));
    Sample s = new Sample("unlabelled", l.image(), l.imageShape(), null, null, l.spacing());
    for (long seed = 0; seed < 20; seed++) {
      assertSame(s, new RandomScale(0.7, 1.6), new RandomCrop(8, 8), seed);
    }
  }

  @Test
  void leavesTheInputUntouched() {
    Sample s = TestSamples.random(7, 0, 8, 8, 1, TestSamples.ints(0, 1));
    float[] image = s.image().clone();
    int[] label = s.label().clone();
    // Factor 1 and a crop of the whole sample: the window is the sample itself, and must be a copy.
    Sample out = new ScaledCrop(new RandomScale(1.0, 1.0), new RandomCrop(8, 8))
        .apply(s, new SplittableRandom(1));
    assertTrue(out.image() != s.image() && out.label() != s.label());
    out.image()[0] = -1;
    out.label()[0] = -1;
    assertArrayEquals(image, s.image());
    assertArrayEquals(label, s.label());
  }

  private static void assertSame(Sample s, RandomScale scale, RandomCrop crop, long seed) {
    Sample expected = Compose.of(scale, crop).apply(s, new SplittableRandom(seed));
    Sample found = new ScaledCrop(scale, crop).apply(s, new SplittableRandom(seed));
    String at = "seed " + seed;
    assertArrayEquals(expected.imageShape(), found.imageShape(), at);
    assertArrayEquals(expected.image(), found.image(), at);
    assertArrayEquals(expected.label(), found.label(), at);
    assertArrayEquals(expected.labelShape(), found.labelShape(), at);
    assertArrayEquals(expected.spacing(), found.spacing(), at);
    assertEquals(expected.id(), found.id(), at);
  }
}
