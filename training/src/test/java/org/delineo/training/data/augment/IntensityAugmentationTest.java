package org.delineo.training.data.augment;

import static org.delineo.training.data.augment.TestSamples.floats;
import static org.delineo.training.data.augment.TestSamples.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * Photometric changes, blur, intensity shift/scale and normalisation against closed forms written
 * here (a 2D Gaussian evaluated directly, the gamma formula, affine relations). Tolerances: 1e-6
 * absolute for the blur kernel, 1e-3 for 0–255 intensities (float rounding), 1e-5 otherwise.
 */
class IntensityAugmentationTest {

  private static Sample grey255() {
    float[][] img = {{0, 16, 64}, {128, 200, 255}};
    return TestSamples.grey(img, new int[][] {{0, 1, 2}, {0, 1, 2}});
  }

  @Test
  void blurOfADeltaIsTheNormalisedGaussian() {
    for (double sigma : new double[] {0.7, 1.0}) {
      int n = 11;
      int c = n / 2;
      float[][] img = new float[n][n];
      img[c][c] = 1f;
      Sample out = GaussianBlur.blur(TestSamples.grey(img, null), sigma);
      int r = (int) Math.ceil(3 * sigma);
      double z = 0;
      for (int dy = -r; dy <= r; dy++) {
        for (int dx = -r; dx <= r; dx++) {
          z += Math.exp(-(dy * dy + dx * dx) / (2 * sigma * sigma));
        }
      }
      for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
          int dy = y - c;
          int dx = x - c;
          double expected = Math.abs(dy) <= r && Math.abs(dx) <= r
              ? Math.exp(-(dy * dy + dx * dx) / (2 * sigma * sigma)) / z : 0;
          assertEquals(expected, out.image()[y * n + x], 1e-6, "sigma " + sigma + " at " + y + "," + x);
        }
      }
    }
  }

  @Test
  void blurOfAVolumeDeltaAndOfConstants() {
    double sigma = 0.6; // radius ceil(1.8) = 2
    int n = 5;
    float[] img = new float[n * n * n * 2];
    img[((2 * n + 2) * n + 2) * 2] = 1f; // channel 0 delta, channel 1 stays 0
    Sample out = GaussianBlur.blur(
        new Sample("v", img, ints(n, n, n, 2), null, null, null), sigma);
    double z = 0;
    for (int a = -2; a <= 2; a++) {
      for (int b = -2; b <= 2; b++) {
        for (int d = -2; d <= 2; d++) {
          z += Math.exp(-(a * a + b * b + d * d) / (2 * sigma * sigma));
        }
      }
    }
    for (int i = 0; i < n * n * n; i++) {
      int dz = i / 25 - 2;
      int dy = i / 5 % 5 - 2;
      int dx = i % 5 - 2;
      assertEquals(Math.exp(-(dz * dz + dy * dy + dx * dx) / (2 * sigma * sigma)) / z,
          out.image()[2 * i], 1e-6);
      assertEquals(0f, out.image()[2 * i + 1], 0f);
    }
    float[] sevens = new float[12];
    java.util.Arrays.fill(sevens, 7f);
    Sample flat = GaussianBlur.blur(new Sample("f", sevens, ints(3, 4, 1), null, null, null), 1.5);
    for (float v : flat.image()) {
      assertEquals(7f, v, 1e-5, "a constant image stays constant (edge replication)");
    }
    Sample s = grey255();
    assertSame(s, new GaussianBlur(0.1, 2, 0).apply(s, new SplittableRandom(1)));
  }

  @Test
  void gammaFollowsTheFormula() {
    Sample s = grey255();
    Sample out = new Photometric(0, 255).withGamma(2, 2).withProbability(1)
        .apply(s, new SplittableRandom(1));
    for (int i = 0; i < 6; i++) {
      double x = s.image()[i];
      assertEquals(255 * Math.pow(x / 255, 2), out.image()[i], 1e-3, "pixel " + i);
    }
    assertArrayEquals(s.label(), out.label());
    // A drawn gamma is common to all pixels: recover it from x = 64 and check the others.
    for (long seed = 0; seed < 10; seed++) {
      Sample g = new Photometric(0, 255).withGamma(0.5, 2).withProbability(1)
          .apply(s, new SplittableRandom(seed));
      double gamma = Math.log(g.image()[2] / 255.0) / Math.log(64 / 255.0);
      assertTrue(gamma >= 0.5 - 1e-4 && gamma < 2 + 1e-4, "gamma " + gamma);
      for (int i = 0; i < 6; i++) {
        assertEquals(255 * Math.pow(s.image()[i] / 255.0, gamma), g.image()[i], 1e-2);
      }
    }
  }

  @Test
  void brightnessAndContrastAreClippedAffineMaps() {
    Sample s = grey255();
    for (long seed = 0; seed < 10; seed++) {
      Sample b = new Photometric(0, 255).withBrightness(32).withProbability(1)
          .apply(s, new SplittableRandom(seed));
      double delta = b.image()[2] - 64; // 64 never clips for |delta| <= 32
      assertTrue(Math.abs(delta) <= 32, "delta " + delta);
      for (int i = 0; i < 6; i++) {
        assertEquals(Math.min(255, Math.max(0, s.image()[i] + delta)), b.image()[i], 1e-3);
      }
      Sample c = new Photometric(0, 255).withContrast(0.5, 1.5).withProbability(1)
          .apply(s, new SplittableRandom(seed));
      double mean = (0 + 16 + 64 + 128 + 200 + 255) / 6.0;
      double alpha = (c.image()[3] - mean) / (128 - mean); // 128 stays inside for alpha <= 1.5
      assertTrue(alpha >= 0.5 - 1e-4 && alpha < 1.5 + 1e-4, "alpha " + alpha);
      for (int i = 0; i < 6; i++) {
        double expected = Math.min(255, Math.max(0, mean + alpha * (s.image()[i] - mean)));
        assertEquals(expected, c.image()[i], 1e-2);
      }
    }
    assertSame(s, new Photometric(0, 255).withBrightness(32).withProbability(0)
        .apply(s, new SplittableRandom(1)));
  }

  @Test
  void intensityShiftScaleIsAffinePerChannelWithinBounds() {
    double scale = 0.1;
    double shift = 0.1;
    Sample s = TestSamples.random(3, 2, 3, 4, 4, new int[] {0, 1, 2, 4});
    for (long seed = 0; seed < 20; seed++) {
      Sample out = new IntensityShiftScale(scale, shift).apply(s, new SplittableRandom(seed));
      assertArrayEquals(s.label(), out.label());
      int c = 4;
      for (int ch = 0; ch < c; ch++) {
        // Recover a, b from the first two voxels, then check every voxel and the bounds.
        float x0 = s.image()[ch];
        float x1 = s.image()[c + ch];
        double a = (out.image()[c + ch] - out.image()[ch]) / (double) (x1 - x0);
        double b = out.image()[ch] - a * x0;
        assertTrue(a >= 1 - scale - 1e-4 && a <= 1 + scale + 1e-4, "factor " + a);
        assertTrue(Math.abs(b) <= shift + 1e-4, "offset " + b);
        for (int i = ch; i < s.image().length; i += c) {
          float x = s.image()[i];
          assertEquals(a * x + b, out.image()[i], 1e-4);
          assertTrue(out.image()[i] >= x * (1 - scale) - shift - 1e-5
              && out.image()[i] <= x * (1 + scale) + shift + 1e-5);
        }
      }
    }
  }
}
