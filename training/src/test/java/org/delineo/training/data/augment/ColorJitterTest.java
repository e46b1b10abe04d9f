package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/** torchvision ColorJitter semantics on hand-computed pixels; tolerance 1e-6 on [0, 1] values. */
class ColorJitterTest {
  private static final double TOL = 1e-6;

  private static void assertClose(float[] expected, float[] actual) {
    assertArrayEquals(expected, actual, (float) TOL);
  }

  @Test
  void brightnessScalesAndClamps() {
    float[] x = {0.2f, 0.6f};
    ColorJitter.brightness(x, 2.0, 1f);
    assertClose(new float[] {0.4f, 1f}, x);
  }

  @Test
  void contrastBlendsWithTheGreyMean() {
    float[] grey = {0.2f, 0.6f};
    ColorJitter.contrast(grey, 1, 0.5, 1f); // mean 0.4: 0.5 x + 0.2
    assertClose(new float[] {0.3f, 0.5f}, grey);
    float[] rgb = {1, 0, 0, 0, 0, 0};
    ColorJitter.contrast(rgb, 3, 0.0, 1f); // mean grey = 0.2989 / 2
    float m = (float) (0.2989 / 2);
    assertClose(new float[] {m, m, m, m, m, m}, rgb);
  }

  @Test
  void saturationBlendsWithPerPixelGrey() {
    float[] rgb = {1, 0, 0};
    ColorJitter.saturation(rgb, 3, 0.0, 1f);
    assertClose(new float[] {0.2989f, 0.2989f, 0.2989f}, rgb);
    float[] more = {1, 0, 0};
    ColorJitter.saturation(more, 3, 2.0, 1f); // 2 x − grey, clamped
    assertClose(new float[] {1f, 0f, 0f}, more);
    float[] half = {0.5f, 0.25f, 0.25f};
    ColorJitter.saturation(half, 3, 2.0, 1f); // grey = 0.5*0.2989 + 0.25*0.701 = 0.32470
    double g = 0.5 * 0.2989 + 0.25 * (0.587 + 0.114);
    assertClose(new float[] {(float) (1 - g), (float) (0.5 - g), (float) (0.5 - g)}, half);
  }

  @Test
  void hueRotatesTheColourCircle() {
    float[] red = {255, 0, 0};
    ColorJitter.hue(red, 3, 1.0 / 3, 255f); // red + 120° = green
    assertArrayEquals(new float[] {0, 255, 0}, red, 1e-3f);
    float[] magenta = {1, 0, 0};
    ColorJitter.hue(magenta, 3, -1.0 / 6, 1f); // red − 60° = magenta
    assertClose(new float[] {1, 0, 1}, magenta);
    float[] pink = {0.5f, 0.25f, 0.25f}; // h 0, s 0.5, v 0.5 → h 0.5: (0.25, 0.5, 0.5)
    ColorJitter.hue(pink, 3, 0.5, 1f);
    assertClose(new float[] {0.25f, 0.5f, 0.5f}, pink);
  }

  @Test
  void saturationAndHueLeaveGreyImagesUnchanged() {
    float[] image = {0.1f, 0.5f, 0.9f, 0.3f};
    Sample grey = new Sample("g", image.clone(), new int[] {2, 2, 1}, null, null, null);
    ColorJitter only = new ColorJitter(0, 0, 0.5, 0.25, 1f);
    for (long seed = 0; seed < 5; seed++) {
      assertArrayEquals(image, only.apply(grey, new SplittableRandom(seed)).image(), 0f);
    }
  }

  @Test
  void fullJitterStaysInRangeIsSeededAndChangesColour() {
    SplittableRandom fill = new SplittableRandom(9);
    float[] image = new float[4 * 4 * 3];
    for (int i = 0; i < image.length; i++) {
      image[i] = (float) fill.nextDouble(0, 255);
    }
    Sample rgb = new Sample("c", image, new int[] {4, 4, 3}, new int[16], new int[] {4, 4}, null);
    ColorJitter jitter = new ColorJitter(0.5, 0.5, 0.5, 0.25, 255f);
    float[] a = jitter.apply(rgb, new SplittableRandom(1)).image();
    float[] b = jitter.apply(rgb, new SplittableRandom(1)).image();
    assertArrayEquals(a, b, 0f, "same seed, same output");
    assertNotEquals(java.util.Arrays.toString(image), java.util.Arrays.toString(a));
    for (float v : a) {
      assertTrue(v >= 0 && v <= 255, "in [0, 255]: " + v);
    }
    assertThrows(DelineoException.class, () -> new ColorJitter(0.5, 0.5, 0.5, 0.6, 1f));
  }
}
