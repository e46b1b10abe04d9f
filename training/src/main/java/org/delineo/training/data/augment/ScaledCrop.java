package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.training.data.Sample;

/**
 * A random rescale followed by a random crop ({@link RandomScale} then {@link RandomCrop}, mmseg's
 * RandomResize then RandomCrop) that resamples only the crop window. Same draws, same values as
 * the two applied in turn; a 2048×1024 scene scaled by 2 for a 512×512 crop no longer makes a
 * 4096×2048 image first (100 MB of float RGB per sample, in every loader thread).
 */
public final class ScaledCrop implements Augmentation {
  private final RandomScale scale;
  private final RandomCrop crop;

  /** {@code scale}, then {@code crop}, fused. */
  public ScaledCrop(RandomScale scale, RandomCrop crop) {
    this.scale = scale;
    this.crop = crop;
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    return crop.applyScaled(sample, scale.drawFactor(rng), rng);
  }
}
