package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;

/**
 * torchvision's {@code ColorJitter(brightness, contrast, saturation, hue)} on images with
 * intensities in [0, max] (1 for scaled medical slices, 255 for raw RGB); labels are untouched.
 * {@link Photometric} does not cover it: its brightness is additive, it has no saturation or hue,
 * and its order is fixed, while torchvision draws a random order.
 *
 * <p>Per call, as torchvision's {@code get_params}: a random permutation of the four changes, then
 * factors b ~ U[max(0, 1 − brightness), 1 + brightness], c and s likewise, h ~ U[−hue, hue]
 * (a strength of 0 disables that change and draws nothing). The changes, applied in the drawn order,
 * each clamp to [0, max]:
 * <ul>
 *   <li>brightness: {@code b · x};
 *   <li>contrast: {@code c · x + (1 − c) · m}, m the mean of the grey image (the image itself for
 *       one channel, else 0.2989 R + 0.587 G + 0.114 B);
 *   <li>saturation: {@code s · x + (1 − s) · grey(x)} per pixel;
 *   <li>hue: rotate the HSV hue by h (a fraction of the colour circle).
 * </ul>
 * On one-channel images saturation and hue are no-ops (torchvision returns grey images unchanged),
 * but their factors are still drawn so the random stream does not depend on the channel count.
 * Unlike UniMatch, which jitters the uint8 PIL image, values are not quantised to 8 bits.
 */
public final class ColorJitter implements Augmentation {
  private static final int BRIGHTNESS = 0;
  private static final int CONTRAST = 1;
  private static final int SATURATION = 2;
  private static final int HUE = 3;

  private final double brightness;
  private final double contrast;
  private final double saturation;
  private final double hue;
  private final float max;

  /**
   * Jitter strengths as torchvision's (each >= 0, hue <= 0.5) on intensities in [0, max].
   *
   * @throws DelineoException for negative strengths, hue above 0.5 or max <= 0
   */
  public ColorJitter(double brightness, double contrast, double saturation, double hue, float max) {
    Draw.nonNegative("ColorJitter brightness", brightness);
    Draw.nonNegative("ColorJitter contrast", contrast);
    Draw.nonNegative("ColorJitter saturation", saturation);
    if (!(hue >= 0 && hue <= 0.5)) {
      throw new DelineoException("ColorJitter hue: expected a value in [0, 0.5], found " + hue);
    }
    if (!(max > 0) || Float.isInfinite(max)) {
      throw new DelineoException("ColorJitter: expected a finite intensity maximum > 0, found " + max);
    }
    this.brightness = brightness;
    this.contrast = contrast;
    this.saturation = saturation;
    this.hue = hue;
    this.max = max;
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    int[] order = {0, 1, 2, 3};
    // torch.randperm-like uniform permutation (Fisher-Yates).
    for (int i = 3; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    double b = brightness > 0 ? Draw.uniform(rng, Math.max(0, 1 - brightness), 1 + brightness) : 1;
    double c = contrast > 0 ? Draw.uniform(rng, Math.max(0, 1 - contrast), 1 + contrast) : 1;
    double s = saturation > 0 ? Draw.uniform(rng, Math.max(0, 1 - saturation), 1 + saturation) : 1;
    double h = hue > 0 ? Draw.uniform(rng, -hue, hue) : 0;
    float[] x = sample.image().clone();
    int channels = sample.channels();
    for (int op : order) {
      switch (op) {
        case BRIGHTNESS -> {
          if (brightness > 0) {
            brightness(x, b, max);
          }
        }
        case CONTRAST -> {
          if (contrast > 0) {
            contrast(x, channels, c, max);
          }
        }
        case SATURATION -> {
          if (saturation > 0) {
            saturation(x, channels, s, max);
          }
        }
        default -> {
          if (hue > 0) {
            hue(x, channels, h, max);
          }
        }
      }
    }
    return new Sample(sample.id(), x, sample.imageShape(), sample.label(), sample.labelShape(),
        sample.spacing());
  }

  /** {@code clamp(b · x, 0, max)} in place. */
  static void brightness(float[] x, double b, float max) {
    for (int i = 0; i < x.length; i++) {
      x[i] = clamp(b * x[i], max);
    }
  }

  /** {@code clamp(c · x + (1 − c) · mean(grey(x)), 0, max)} in place. */
  static void contrast(float[] x, int channels, double c, float max) {
    double sum = 0;
    int pixels = x.length / channels;
    for (int p = 0; p < pixels; p++) {
      sum += grey(x, p, channels);
    }
    double mean = sum / pixels;
    for (int i = 0; i < x.length; i++) {
      x[i] = clamp(c * x[i] + (1 - c) * mean, max);
    }
  }

  /** Blend with the per-pixel grey value: {@code clamp(s · x + (1 − s) · grey, 0, max)}; grey images unchanged. */
  static void saturation(float[] x, int channels, double s, float max) {
    if (channels != 3) {
      return;
    }
    for (int p = 0; p < x.length / 3; p++) {
      double g = grey(x, p, 3);
      for (int ch = 0; ch < 3; ch++) {
        x[3 * p + ch] = clamp(s * x[3 * p + ch] + (1 - s) * g, max);
      }
    }
  }

  /** Rotates the HSV hue of each pixel by {@code h} turns; grey images unchanged. */
  static void hue(float[] x, int channels, double h, float max) {
    if (channels != 3) {
      return;
    }
    for (int p = 0; p < x.length / 3; p++) {
      double r = x[3 * p] / max;
      double g = x[3 * p + 1] / max;
      double b = x[3 * p + 2] / max;
      double hi = Math.max(r, Math.max(g, b));
      double lo = Math.min(r, Math.min(g, b));
      double chroma = hi - lo;
      double v = hi;
      double sat = hi > 0 ? chroma / hi : 0;
      double hh;
      if (chroma == 0) {
        hh = 0;
      } else if (hi == r) {
        hh = ((g - b) / chroma) / 6;
      } else if (hi == g) {
        hh = ((b - r) / chroma + 2) / 6;
      } else {
        hh = ((r - g) / chroma + 4) / 6;
      }
      hh = hh + h;
      hh = hh - Math.floor(hh);
      double[] rgb = hsvToRgb(hh, sat, v);
      for (int ch = 0; ch < 3; ch++) {
        x[3 * p + ch] = clamp(rgb[ch] * max, max);
      }
    }
  }

  /** HSV (all in [0, 1]) to RGB in [0, 1] by the standard six-sector formula. */
  static double[] hsvToRgb(double h, double s, double v) {
    double sector = h * 6;
    int i = (int) Math.floor(sector) % 6;
    double f = sector - Math.floor(sector);
    double p = v * (1 - s);
    double q = v * (1 - s * f);
    double t = v * (1 - s * (1 - f));
    return switch (i) {
      case 0 -> new double[] {v, t, p};
      case 1 -> new double[] {q, v, p};
      case 2 -> new double[] {p, v, t};
      case 3 -> new double[] {p, q, v};
      case 4 -> new double[] {t, p, v};
      default -> new double[] {v, p, q};
    };
  }

  private static double grey(float[] x, int pixel, int channels) {
    if (channels == 3) {
      return 0.2989 * x[3 * pixel] + 0.587 * x[3 * pixel + 1] + 0.114 * x[3 * pixel + 2];
    }
    // Other channel counts: the mean over channels (a single channel is its own grey value).
    double sum = 0;
    for (int ch = 0; ch < channels; ch++) {
      sum += x[pixel * channels + ch];
    }
    return sum / channels;
  }

  private static float clamp(double v, float max) {
    return v < 0 ? 0f : v > max ? max : (float) v;
  }
}
