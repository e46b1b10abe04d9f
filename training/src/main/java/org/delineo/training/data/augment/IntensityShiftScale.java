package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.training.data.Sample;

/**
 * Per channel (modality) {@code c}: {@code x · (1 + U(−scale, scale)) + U(−shift, shift)}, the
 * factor and offset drawn once per channel (RFNet/PASSION RandomIntensityChange((0.1, 0.1)),
 * without their per-slice quirk). Draws per channel in order: factor, then offset. Labels are
 * untouched.
 */
public final class IntensityShiftScale implements Augmentation {
  private final double scale;
  private final double shift;

  /** Multiplicative jitter {@code scale} and additive jitter {@code shift} (both ≥ 0). */
  public IntensityShiftScale(double scale, double shift) {
    Draw.nonNegative("IntensityShiftScale scale", scale);
    Draw.nonNegative("IntensityShiftScale shift", shift);
    this.scale = scale;
    this.shift = shift;
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    int c = sample.channels();
    float[] factor = new float[c];
    float[] offset = new float[c];
    for (int ch = 0; ch < c; ch++) {
      factor[ch] = (float) (1 + Draw.uniform(rng, -scale, scale));
      offset[ch] = (float) Draw.uniform(rng, -shift, shift);
    }
    float[] in = sample.image();
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i += c) {
      for (int ch = 0; ch < c; ch++) {
        out[i + ch] = in[i + ch] * factor[ch] + offset[ch];
      }
    }
    return new Sample(sample.id(), out, sample.imageShape(), sample.label(), sample.labelShape(),
        sample.spacing());
  }
}
