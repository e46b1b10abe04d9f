package org.delineo.training.data.augment;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.Sample;

/**
 * Per-channel standardisation {@code (x − mean[c]) / std[c]} (mmseg's data preprocessor); draws
 * nothing, so it can close a training pipeline and form an evaluation one.
 */
public final class Normalize implements Augmentation {
  private final float[] mean;
  private final float[] std;

  /** One mean and one (positive) standard deviation per channel. */
  public Normalize(float[] mean, float[] std) {
    if (mean.length != std.length || mean.length == 0) {
      throw new DelineoException(
          "Normalize: expected as many means as standard deviations (at least one), found "
              + mean.length + " and " + std.length);
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new DelineoException("Normalize: standard deviations must be > 0, found "
            + Arrays.toString(std));
      }
    }
    this.mean = mean.clone();
    this.std = std.clone();
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    int c = sample.channels();
    if (c != mean.length) {
      throw new ShapeMismatchException(
          sample.id() + ": Normalize has statistics for " + mean.length + " channels, the image has "
              + c);
    }
    float[] inv = new float[c];
    for (int ch = 0; ch < c; ch++) {
      inv[ch] = 1f / std[ch];
    }
    float[] in = sample.image();
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i += c) {
      for (int ch = 0; ch < c; ch++) {
        out[i + ch] = (in[i + ch] - mean[ch]) * inv[ch];
      }
    }
    return new Sample(sample.id(), out, sample.imageShape(), sample.label(), sample.labelShape(),
        sample.spacing());
  }
}
