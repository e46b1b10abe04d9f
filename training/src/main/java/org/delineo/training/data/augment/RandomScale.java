package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;

/**
 * Resizes by one factor drawn uniformly from [minFactor, maxFactor) on every spatial axis (new size
 * {@code max(1, round(n · factor))}): bilinear (trilinear in 3D) with half-pixel centres for the
 * image, nearest neighbour for the label. The spacing is scaled so that physical size is kept.
 */
public final class RandomScale implements Augmentation {
  private final double minFactor;
  private final double maxFactor;

  /** Factors uniform in [minFactor, maxFactor) (a single factor when both are equal). */
  public RandomScale(double minFactor, double maxFactor) {
    Draw.range("RandomScale factor", minFactor, maxFactor);
    if (!(minFactor > 0)) {
      throw new DelineoException("RandomScale: factors must be > 0, found " + minFactor);
    }
    this.minFactor = minFactor;
    this.maxFactor = maxFactor;
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    return scale(sample, Draw.uniform(rng, minFactor, maxFactor));
  }

  /** Resize of {@code sample} by exactly {@code factor}: the transform this augmentation draws from. */
  public static Sample scale(Sample sample, double factor) {
    Grid g = Grid.of(sample);
    int[] size = g.dhw();
    int[] target = size.clone();
    for (int a = 3 - g.spatialRank; a < 3; a++) {
      target[a] = (int) Math.max(1, Math.round(size[a] * factor));
    }
    float[] image = sample.image();
    int[] label = sample.label();
    int[] current = size.clone();
    for (int a = 0; a < 3; a++) {
      if (target[a] == current[a]) {
        continue;
      }
      int[] imageSplit = AxisResample.split(current, a, g.c);
      image = AxisResample.linear(image, imageSplit[0], imageSplit[1], imageSplit[2], target[a]);
      if (label != null) {
        int[] labelSplit = AxisResample.split(current, a, 1);
        label = AxisResample.nearest(label, labelSplit[0], labelSplit[1], labelSplit[2], target[a]);
      }
      current[a] = target[a];
    }
    if (image == sample.image()) {
      return sample;
    }
    double[] spacing = sample.spacing();
    if (spacing != null && spacing.length == g.spatialRank) {
      spacing = spacing.clone();
      for (int i = 0; i < spacing.length; i++) {
        int a = i + 3 - g.spatialRank;
        spacing[i] = spacing[i] * size[a] / target[a];
      }
    }
    return g.with(sample, target, image, label, spacing);
  }
}
