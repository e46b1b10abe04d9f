package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.training.data.Sample;

/** Applies another augmentation with probability {@code p} (e.g. UniMatch's "with p 0.5 rotate"). */
public final class RandomApply implements Augmentation {
  private final double p;
  private final Augmentation inner;

  /** Applies {@code inner} with probability {@code p} in [0, 1]. */
  public RandomApply(double p, Augmentation inner) {
    this.p = Draw.probability("RandomApply p", p);
    this.inner = inner;
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    return rng.nextDouble() < p ? inner.apply(sample, rng) : sample;
  }
}
