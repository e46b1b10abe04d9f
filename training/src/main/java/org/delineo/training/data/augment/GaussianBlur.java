package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;

/**
 * With probability p, blurs the image with a Gaussian of σ ~ U(minSigma, maxSigma) (in pixels)
 * along every spatial axis, per channel, as separable 1D passes (UniMatch: σ ∈ [0.1, 2], p 0.5).
 * The kernel is truncated at radius {@code max(1, ceil(3σ))} and normalised to sum 1; samples
 * beyond the border repeat the border value. Labels are untouched.
 */
public final class GaussianBlur implements Augmentation {
  private final double minSigma;
  private final double maxSigma;
  private final double p;

  /** Blur with σ ~ U(minSigma, maxSigma), applied with probability {@code p}. */
  public GaussianBlur(double minSigma, double maxSigma, double p) {
    Draw.range("GaussianBlur sigma", minSigma, maxSigma);
    if (!(minSigma > 0)) {
      throw new DelineoException("GaussianBlur: sigma must be > 0, found " + minSigma);
    }
    this.minSigma = minSigma;
    this.maxSigma = maxSigma;
    this.p = Draw.probability("GaussianBlur p", p);
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    if (!(rng.nextDouble() < p)) {
      return sample;
    }
    return blur(sample, Draw.uniform(rng, minSigma, maxSigma));
  }

  /** Blur of {@code sample} with exactly {@code sigma}: the transform this augmentation draws from. */
  public static Sample blur(Sample sample, double sigma) {
    Grid g = Grid.of(sample);
    float[] kernel = kernel(sigma);
    int[] dhw = g.dhw();
    float[] image = sample.image();
    for (int a = 3 - g.spatialRank; a < 3; a++) {
      if (dhw[a] > 1) {
        int[] split = AxisResample.split(dhw, a, g.c);
        image = AxisResample.convolve(image, split[0], split[1], split[2], kernel);
      }
    }
    if (image == sample.image()) {
      image = image.clone();
    }
    return new Sample(sample.id(), image, sample.imageShape(), sample.label(),
        sample.labelShape(), sample.spacing());
  }

  /** The normalised 1D kernel of radius {@code max(1, ceil(3σ))}. */
  static float[] kernel(double sigma) {
    int r = Math.max(1, (int) Math.ceil(3 * sigma));
    double[] k = new double[2 * r + 1];
    double sum = 0;
    for (int i = -r; i <= r; i++) {
      k[i + r] = Math.exp(-(double) i * i / (2 * sigma * sigma));
      sum += k[i + r];
    }
    float[] out = new float[k.length];
    for (int i = 0; i < k.length; i++) {
      out[i] = (float) (k[i] / sum);
    }
    return out;
  }
}
