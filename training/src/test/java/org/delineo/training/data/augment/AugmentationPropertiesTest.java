package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * Properties every augmentation must keep: the same seed gives identical outputs (exact), the
 * input is never modified, and geometric transforms keep labels in the original label set (plus
 * the fill value where they introduce out-of-image pixels).
 */
class AugmentationPropertiesTest {
  private static final int[] CLASSES = {0, 1, 2, 4};

  private static Map<String, Augmentation> geometric(int spatialRank) {
    Map<String, Augmentation> m = new LinkedHashMap<>();
    m.put("flip", RandomFlip.allAxes(0.5));
    m.put("rot90", spatialRank == 2 ? new RandomRot90() : new RandomRot90(0, 2));
    m.put("rotation", new RandomRotation(-20, 20));
    m.put("scale", new RandomScale(0.6, 1.7));
    m.put("crop", spatialRank == 2 ? new RandomCrop(4, 9) : new RandomCrop(3, 4, 7));
    m.put("compose", Compose.of(new RandomScale(0.8, 1.2), new RandomRotation(-10, 10),
        spatialRank == 2 ? new RandomCrop(5, 5) : new RandomCrop(3, 3, 3),
        RandomFlip.allAxes(0.5), new RandomApply(0.5, new RandomRot90())));
    return m;
  }

  private static Map<String, Augmentation> all(int spatialRank) {
    Map<String, Augmentation> m = geometric(spatialRank);
    m.put("photometric", new Photometric(0, 1).withBrightness(0.1).withContrast(0.5, 1.5)
        .withGamma(0.7, 1.5));
    m.put("blur", new GaussianBlur(0.1, 2, 0.5));
    m.put("shiftScale", new IntensityShiftScale(0.1, 0.1));
    return m;
  }

  private static Sample sample(int spatialRank, long seed) {
    return spatialRank == 2
        ? TestSamples.random(seed, 0, 6, 7, 3, CLASSES)
        : TestSamples.random(seed, 4, 5, 6, 2, CLASSES);
  }

  @Test
  void sameSeedSameOutputAndInputUntouched() {
    for (int rank : new int[] {2, 3}) {
      Sample s = sample(rank, 11);
      float[] image = s.image().clone();
      int[] label = s.label().clone();
      for (Map.Entry<String, Augmentation> e : all(rank).entrySet()) {
        boolean differs = false;
        for (long seed = 0; seed < 8; seed++) {
          Sample a = e.getValue().apply(s, new SplittableRandom(seed));
          Sample b = e.getValue().apply(s, new SplittableRandom(seed));
          String what = e.getKey() + " rank " + rank + " seed " + seed;
          assertArrayEquals(a.imageShape(), b.imageShape(), what);
          assertArrayEquals(a.image(), b.image(), 0f, what);
          assertArrayEquals(a.label(), b.label(), what);
          Sample other = e.getValue().apply(s, new SplittableRandom(seed + 100));
          differs |= !Arrays.equals(a.image(), other.image());
        }
        assertTrue(differs, e.getKey() + " rank " + rank + " should depend on the seed");
        assertArrayEquals(image, s.image(), 0f, e.getKey() + " modified its input image");
        assertArrayEquals(label, s.label(), e.getKey() + " modified its input label");
      }
    }
  }

  @Test
  void geometricTransformsKeepTheLabelSet() {
    for (int rank : new int[] {2, 3}) {
      int fill = rank == 2 ? 255 : 0;
      for (Map.Entry<String, Augmentation> e : geometric(rank).entrySet()) {
        boolean introducesFill = e.getKey().equals("rotation") || e.getKey().equals("crop")
            || e.getKey().equals("compose");
        for (long seed = 0; seed < 20; seed++) {
          Sample out = e.getValue().apply(sample(rank, seed), new SplittableRandom(seed));
          assertTrue(out.labeled());
          assertArrayEquals(out.spatialShape(), out.labelShape(), e.getKey());
          Set<Integer> allowed = new HashSet<>();
          for (int c : CLASSES) {
            allowed.add(c);
          }
          if (introducesFill) {
            allowed.add(fill);
          }
          for (int v : out.label()) {
            assertTrue(allowed.contains(v),
                e.getKey() + " rank " + rank + " seed " + seed + " produced label " + v);
          }
        }
      }
    }
  }

  @Test
  void randomApplyAndCompose() {
    Sample s = sample(2, 1);
    Augmentation flipW = RandomFlip.horizontal(1);
    assertSame(s, new RandomApply(0, flipW).apply(s, new SplittableRandom(1)));
    assertArrayEquals(flipW.apply(s, new SplittableRandom(1)).image(),
        new RandomApply(1, flipW).apply(s, new SplittableRandom(1)).image(), 0f);
    // Compose = sequential application with one generator.
    Augmentation a = new RandomRotation(-30, 30);
    Augmentation b = new IntensityShiftScale(0.2, 0.2);
    SplittableRandom r1 = new SplittableRandom(9);
    Sample manual = b.apply(a.apply(s, r1), r1);
    Sample composed = Compose.of(a, b).apply(s, new SplittableRandom(9));
    assertArrayEquals(manual.image(), composed.image(), 0f);
    assertFalse(Arrays.equals(s.image(), composed.image()));
  }
}
