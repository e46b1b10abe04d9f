package org.delineo.training.data.augment;

import static org.delineo.training.data.augment.TestSamples.floats;
import static org.delineo.training.data.augment.TestSamples.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * Resizing against hand computation with half-pixel centres (source = (o + 0.5)·n/m − 0.5,
 * clamped to [0, n − 1]; nearest reads floor((o + 0.5)·n/m)). Tolerance 1e-5.
 */
class RandomScaleTest {
  private static final float TOL = 1e-5f;

  @Test
  void doublesARow() {
    // Sources for 4 outputs from 2: -0.25 -> 0, 0.25, 0.75, 1.25 -> 1.
    Sample s = new Sample("s", floats(0, 1), ints(1, 2, 1), ints(1, 2), ints(1, 2),
        new double[] {1, 1});
    Sample out = RandomScale.scale(s, 2.0);
    assertArrayEquals(ints(2, 4, 1), out.imageShape());
    assertArrayEquals(floats(0, 0.25f, 0.75f, 1, 0, 0.25f, 0.75f, 1), out.image(), TOL);
    // Nearest: floor(0.25), floor(0.75), floor(1.25), floor(1.75) = 0, 0, 1, 1.
    assertArrayEquals(ints(1, 1, 2, 2, 1, 1, 2, 2), out.label());
    assertArrayEquals(new double[] {0.5, 0.5}, out.spacing(), 1e-12);
  }

  @Test
  void halvesAnImage() {
    // 4 -> 2: sources 0.5 and 2.5, i.e. pair averages; nearest reads 1 and 3.
    float[][] img = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}, {12, 13, 14, 15}};
    int[][] lab = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}, {12, 13, 14, 15}};
    Sample out = RandomScale.scale(TestSamples.grey(img, lab), 0.5);
    assertArrayEquals(ints(2, 2, 1), out.imageShape());
    assertArrayEquals(floats(2.5f, 4.5f, 10.5f, 12.5f), out.image(), TOL);
    assertArrayEquals(ints(5, 7, 13, 15), out.label());
  }

  @Test
  void trilinearOnALinearFunction() {
    // f = z + 2y + 3x; trilinear interpolation of a linear function returns f at the clamped
    // source coordinates, computed here per axis in closed form.
    int n = 2;
    float[] img = new float[n * n * n];
    for (int z = 0; z < n; z++) {
      for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
          img[(z * n + y) * n + x] = z + 2 * y + 3 * x;
        }
      }
    }
    Sample s = new Sample("v", img, ints(n, n, n, 1), null, null, new double[] {1, 1, 1});
    Sample out = RandomScale.scale(s, 1.5);
    int m = 3;
    assertArrayEquals(ints(m, m, m, 1), out.imageShape());
    for (int z = 0; z < m; z++) {
      for (int y = 0; y < m; y++) {
        for (int x = 0; x < m; x++) {
          double expected = src(z, n, m) + 2 * src(y, n, m) + 3 * src(x, n, m);
          assertEquals(expected, out.image()[(z * m + y) * m + x], TOL);
        }
      }
    }
  }

  private static double src(int o, int n, int m) {
    return Math.min(n - 1, Math.max(0, (o + 0.5) * n / m - 0.5));
  }

  @Test
  void drawnSizesStayInTheRange() {
    Sample s = TestSamples.coded2d(10, 20, 1);
    for (long seed = 0; seed < 30; seed++) {
      Sample out = new RandomScale(0.5, 2.0).apply(s, new SplittableRandom(seed));
      int h = out.imageShape()[0];
      int w = out.imageShape()[1];
      assertTrue(h >= 5 && h <= 20 && w >= 10 && w <= 40, h + "x" + w);
      assertEquals(w, 2 * h, 1, "aspect kept: " + h + "x" + w);
    }
  }
}
