package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;

/**
 * Brightness, contrast and gamma changes of the image on intensities in a known range
 * [min, max] (0–255 for 8-bit scenes, 0–1 for normalised slices); labels are untouched. Each
 * enabled change is applied independently with probability p (default 0.5, as mmseg's
 * PhotoMetricDistortion), in the order brightness, contrast, gamma, and the result is clipped to
 * [min, max] after each one:
 * <ul>
 *   <li>brightness: {@code x + δ}, δ ~ U(−delta, delta) in intensity units;
 *   <li>contrast: {@code m + α (x − m)}, α ~ U(lo, hi), m the mean of the whole image;
 *   <li>gamma: {@code min + (max − min) · ((x − min) / (max − min))^γ}, γ ~ U(lo, hi).
 * </ul>
 * A fresh instance changes nothing; enable each change with its {@code with...} method.
 */
public final class Photometric implements Augmentation {
  private final float min;
  private final float max;
  private final double brightness; // 0: off
  private final double contrastLo;
  private final double contrastHi; // lo == hi == 1: off
  private final double gammaLo;
  private final double gammaHi; // lo == hi == 1: off
  private final double p;

  /** Changes on intensities in [min, max], all disabled, probability 0.5 each. */
  public Photometric(float min, float max) {
    this(min, max, 0, 1, 1, 1, 1, 0.5);
  }

  private Photometric(float min, float max, double brightness, double contrastLo,
      double contrastHi, double gammaLo, double gammaHi, double p) {
    if (!(min < max) || Float.isInfinite(min) || Float.isInfinite(max)) {
      throw new DelineoException(
          "Photometric: expected a finite intensity range min < max, found [" + min + ", " + max + "]");
    }
    this.min = min;
    this.max = max;
    this.brightness = brightness;
    this.contrastLo = contrastLo;
    this.contrastHi = contrastHi;
    this.gammaLo = gammaLo;
    this.gammaHi = gammaHi;
    this.p = p;
  }

  /** Enables brightness shifts δ ~ U(−delta, delta) (mmseg: 32 on 0–255). */
  public Photometric withBrightness(double delta) {
    Draw.nonNegative("Photometric brightness delta", delta);
    return new Photometric(min, max, delta, contrastLo, contrastHi, gammaLo, gammaHi, p);
  }

  /** Enables contrast factors α ~ U(lo, hi) (mmseg: 0.5–1.5). */
  public Photometric withContrast(double lo, double hi) {
    Draw.range("Photometric contrast", lo, hi);
    Draw.nonNegative("Photometric contrast lower bound", lo);
    return new Photometric(min, max, brightness, lo, hi, gammaLo, gammaHi, p);
  }

  /** Enables gamma exponents γ ~ U(lo, hi), {@code 0 < lo}. */
  public Photometric withGamma(double lo, double hi) {
    Draw.range("Photometric gamma", lo, hi);
    if (!(lo > 0)) {
      throw new DelineoException("Photometric gamma: expected a lower bound > 0, found " + lo);
    }
    return new Photometric(min, max, brightness, contrastLo, contrastHi, lo, hi, p);
  }

  /** Sets the probability with which each enabled change is applied. */
  public Photometric withProbability(double p) {
    Draw.probability("Photometric probability", p);
    return new Photometric(min, max, brightness, contrastLo, contrastHi, gammaLo, gammaHi, p);
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    float[] x = null;
    if (brightness > 0 && rng.nextDouble() < p) {
      float delta = (float) Draw.uniform(rng, -brightness, brightness);
      x = sample.image().clone();
      for (int i = 0; i < x.length; i++) {
        x[i] = clip(x[i] + delta);
      }
    }
    if ((contrastLo != 1 || contrastHi != 1) && rng.nextDouble() < p) {
      float alpha = (float) Draw.uniform(rng, contrastLo, contrastHi);
      x = x != null ? x : sample.image().clone();
      double sum = 0;
      for (float v : x) {
        sum += v;
      }
      float mean = (float) (sum / x.length);
      for (int i = 0; i < x.length; i++) {
        x[i] = clip(mean + alpha * (x[i] - mean));
      }
    }
    if ((gammaLo != 1 || gammaHi != 1) && rng.nextDouble() < p) {
      double gamma = Draw.uniform(rng, gammaLo, gammaHi);
      x = x != null ? x : sample.image().clone();
      double range = (double) max - min;
      for (int i = 0; i < x.length; i++) {
        double u = (clip(x[i]) - min) / range;
        x[i] = clip((float) (min + range * Math.pow(u, gamma)));
      }
    }
    if (x == null) {
      return sample;
    }
    return new Sample(sample.id(), x, sample.imageShape(), sample.label(), sample.labelShape(),
        sample.spacing());
  }

  private float clip(float v) {
    return v < min ? min : (v > max ? max : v);
  }
}
