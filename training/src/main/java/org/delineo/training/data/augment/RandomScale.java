package org.delineo.training.data.augment;

import java.util.Arrays;
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
    return scale(sample, drawFactor(rng));
  }

  /** The factor {@link #apply} resizes by, drawn from {@code rng} (one draw, or none for a fixed factor). */
  double drawFactor(RandomGenerator rng) {
    return Draw.uniform(rng, minFactor, maxFactor);
  }

  /** Resize of {@code sample} by exactly {@code factor}: the transform this augmentation draws from. */
  public static Sample scale(Sample sample, double factor) {
    Grid g = Grid.of(sample);
    int[] target = scaledSize(g, factor);
    int[] origin = new int[3];
    float[] image = imageWindow(sample.image(), g.c, g.dhw(), target, origin, target);
    if (image == sample.image()) {
      return sample;
    }
    int[] label = sample.label() == null ? null : labelWindow(sample.label(), g.dhw(), target, origin, target);
    return g.with(sample, target, image, label, scaledSpacing(sample, g, target));
  }

  /** Internal D, H, W sizes after resizing by {@code factor}: {@code max(1, round(n · factor))} on the spatial axes. */
  static int[] scaledSize(Grid g, double factor) {
    int[] target = g.dhw();
    for (int a = 3 - g.spatialRank; a < 3; a++) {
      target[a] = (int) Math.max(1, Math.round(target[a] * factor));
    }
    return target;
  }

  /** The sample's spacing for its size resized to {@code target}, so that physical size is kept. */
  static double[] scaledSpacing(Sample sample, Grid g, int[] target) {
    double[] spacing = sample.spacing();
    if (spacing == null || spacing.length != g.spatialRank) {
      return spacing;
    }
    int[] size = g.dhw();
    double[] scaled = spacing.clone();
    for (int i = 0; i < scaled.length; i++) {
      int a = i + 3 - g.spatialRank;
      scaled[i] = spacing[i] * size[a] / target[a];
    }
    return scaled;
  }

  /**
   * The window {@code [from, from + count)} (internal axes) of {@code image} [size, c] resized
   * bilinearly to {@code target}, computing only that window; {@code image} itself when the window
   * is the whole unresized image.
   */
  static float[] imageWindow(float[] image, int c, int[] size, int[] target, int[] from, int[] count) {
    if (Arrays.equals(target, size)) {
      if (isWhole(size, from, count)) {
        return image;
      }
      float[] out = new float[count[0] * count[1] * count[2] * c];
      Grid.gather(image, out, c, count, start(size, from), strides(size));
      return out;
    }
    int[] current = size.clone();
    for (int a = 0; a < 3; a++) {
      if (from[a] == 0 && count[a] == current[a] && target[a] == current[a]) {
        continue;
      }
      int[] split = AxisResample.split(current, a, c);
      image = target[a] == current[a]
          ? AxisResample.slice(image, split[0], split[1], split[2], from[a], count[a])
          : AxisResample.linear(image, split[0], split[1], split[2], target[a], from[a], count[a]);
      current[a] = count[a];
    }
    return image;
  }

  /** {@link #imageWindow} for a label (nearest neighbour, one value per voxel). */
  static int[] labelWindow(int[] label, int[] size, int[] target, int[] from, int[] count) {
    if (Arrays.equals(target, size)) {
      if (isWhole(size, from, count)) {
        return label;
      }
      int[] out = new int[count[0] * count[1] * count[2]];
      Grid.gather(label, out, count, start(size, from), strides(size));
      return out;
    }
    int[] current = size.clone();
    for (int a = 0; a < 3; a++) {
      if (from[a] == 0 && count[a] == current[a] && target[a] == current[a]) {
        continue;
      }
      int[] split = AxisResample.split(current, a, 1);
      label = AxisResample.nearest(label, split[0], split[1], split[2], target[a], from[a], count[a]);
      current[a] = count[a];
    }
    return label;
  }

  private static boolean isWhole(int[] size, int[] from, int[] count) {
    return Arrays.equals(count, size) && Arrays.equals(from, new int[3]);
  }

  /** Voxel index of {@code from} in a [D, H, W] grid of {@code size}. */
  private static int start(int[] size, int[] from) {
    return (from[0] * size[1] + from[1]) * size[2] + from[2];
  }

  private static int[] strides(int[] size) {
    return new int[] {size[1] * size[2], size[2], 1};
  }
}
