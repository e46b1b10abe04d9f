package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * Rotations against rot90 (tolerance 1e-4 for bilinear images: cos(90°) is 6e-17, not 0, and the
 * weights are float), against the closed form of a rotated linear ramp (bilinear interpolation of
 * a linear function is exact inside; tolerance 1e-4), and against hand-computed corner values.
 */
class RandomRotationTest {
  private static final float TOL = 1e-4f;

  @Test
  void ninetyDegreesMatchesRot90() {
    for (int n : new int[] {4, 5}) {
      Sample s = TestSamples.coded2d(n, n, 2);
      RandomRotation rotation = new RandomRotation(0, 0);
      RandomRot90 rot90 = new RandomRot90();
      for (int k = 1; k <= 3; k++) {
        Sample a = rotation.rotate(s, 0, 1, 90.0 * k);
        Sample b = rot90.rotate(s, k);
        assertArrayEquals(b.image(), a.image(), TOL, "n=" + n + " k=" + k);
        assertArrayEquals(b.label(), a.label(), "n=" + n + " k=" + k);
      }
      Sample drawn = new RandomRotation(90, 90).apply(s, new SplittableRandom(3));
      assertArrayEquals(rot90.rotate(s, 1).image(), drawn.image(), TOL);
    }
  }

  @Test
  void volumeQuarterTurnInAPlaneMatchesRot90() {
    Sample v = TestSamples.coded3d(3, 3, 3, 1);
    Sample a = new RandomRotation(90, 90).withPlanes(new int[] {0, 1})
        .apply(v, new SplittableRandom(1));
    Sample b = new RandomRot90(0, 1).rotate(v, 1);
    assertArrayEquals(b.image(), a.image(), TOL);
    assertArrayEquals(b.label(), a.label());
  }

  @Test
  void zeroDegreesIsTheIdentity() {
    Sample s = TestSamples.coded2d(3, 4, 1);
    Sample out = new RandomRotation(0, 0).apply(s, new SplittableRandom(1));
    assertArrayEquals(s.image(), out.image(), 0f);
    assertArrayEquals(s.label(), out.label());
  }

  @Test
  void rotatedRampFollowsTheClosedForm() {
    // Image value = row index y. The output at (i, j) reads the source row
    // c + cos(t)(i - c) + sin(t)(j - c), which bilinear interpolation reproduces exactly wherever
    // the four neighbours are inside the image.
    int n = 9;
    float[][] img = new float[n][n];
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        img[y][x] = y;
      }
    }
    double degrees = 17;
    Sample out = new RandomRotation(0, 0).rotate(TestSamples.grey(img, null), 0, 1, degrees);
    double t = Math.toRadians(degrees);
    double c = (n - 1) / 2.0;
    int checked = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double sy = c + Math.cos(t) * (i - c) + Math.sin(t) * (j - c);
        double sx = c - Math.sin(t) * (i - c) + Math.cos(t) * (j - c);
        if (sy >= 0 && sy <= n - 1 && sx >= 0 && sx <= n - 1) {
          assertEquals(sy, out.image()[i * n + j], TOL, "at " + i + "," + j);
          checked++;
        }
      }
    }
    assertEquals(true, checked > n * n / 2, "most pixels are inside: " + checked);
  }

  @Test
  void cornerOfAConstantImageBlendsWithTheFill() {
    // 5x5 ones rotated 45°: output (0, 0) reads source row 2 - 2·sqrt(2) ≈ -0.83 and column
    // exactly 2, so bilinear weight 3 - 2·sqrt(2) on row 0 and the rest on the fill (0); its
    // nearest source row -1 is outside, so the label is the fill (255 for 2D scenes).
    float[][] ones = new float[5][5];
    int[][] lab = new int[5][5];
    for (float[] row : ones) {
      java.util.Arrays.fill(row, 1f);
    }
    for (int[] row : lab) {
      java.util.Arrays.fill(row, 3);
    }
    Sample out = new RandomRotation(0, 0).rotate(TestSamples.grey(ones, lab), 0, 1, 45);
    assertEquals(3 - 2 * Math.sqrt(2), out.image()[0], TOL);
    assertEquals(255, out.label()[0]);
    assertEquals(1f, out.image()[2 * 5 + 2], TOL);
    assertEquals(3, out.label()[2 * 5 + 2]);
    Sample medical = new RandomRotation(0, 0).withFill(Fill.MEDICAL)
        .rotate(TestSamples.grey(ones, lab), 0, 1, 45);
    assertEquals(0, medical.label()[0]);
  }

  @Test
  void anglesStayInTheRange() {
    // The ramp's centre-row pixel (c, c + 3) reads source row c + 3·sin(t): t is recoverable.
    int n = 9;
    float[][] img = new float[n][n];
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        img[y][x] = y;
      }
    }
    Sample s = TestSamples.grey(img, null);
    for (long seed = 0; seed < 30; seed++) {
      Sample out = new RandomRotation(-10, 10).apply(s, new SplittableRandom(seed));
      double sin = (out.image()[4 * n + 7] - 4) / 3.0;
      double deg = Math.toDegrees(Math.asin(sin));
      assertEquals(true, deg >= -10 - 1e-3 && deg < 10 + 1e-3, "angle " + deg);
    }
  }
}
