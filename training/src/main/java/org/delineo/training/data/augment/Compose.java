package org.delineo.training.data.augment;

import java.util.List;
import java.util.random.RandomGenerator;
import org.delineo.training.data.Sample;

/** Applies a list of augmentations in order, all drawing from the same generator. */
public final class Compose implements Augmentation {
  private final List<Augmentation> steps;

  /** A pipeline of {@code steps}, applied first to last. */
  public Compose(List<? extends Augmentation> steps) {
    this.steps = List.copyOf(steps);
  }

  /** A pipeline of {@code steps}, applied first to last. */
  public static Compose of(Augmentation... steps) {
    return new Compose(List.of(steps));
  }

  /** The steps, in the order they are applied. */
  public List<Augmentation> steps() {
    return steps;
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    Sample out = sample;
    for (Augmentation step : steps) {
      out = step.apply(out, rng);
    }
    return out;
  }
}
