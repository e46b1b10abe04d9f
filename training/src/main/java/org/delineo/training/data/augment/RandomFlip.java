package org.delineo.training.data.augment;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.Sample;

/**
 * Flips spatial axes independently, each with its own probability (mmseg's horizontal flip,
 * RFNet's 50 % flip of each of the three axes). One draw per spatial axis, in axis order.
 */
public final class RandomFlip implements Augmentation {
  private final double[] perAxis; // null: use `uniform`
  private final double uniform;
  private final boolean lastAxisOnly;

  private RandomFlip(double[] perAxis, double uniform, boolean lastAxisOnly) {
    this.perAxis = perAxis;
    this.uniform = uniform;
    this.lastAxisOnly = lastAxisOnly;
  }

  /**
   * Flip probability for each spatial axis ({@code [H, W]} in 2D, {@code [D, H, W]} in 3D); the
   * number of probabilities must match the samples' spatial rank.
   */
  public static RandomFlip perAxis(double... probabilities) {
    for (double p : probabilities) {
      Draw.probability("RandomFlip probability", p);
    }
    return new RandomFlip(probabilities.clone(), 0, false);
  }

  /** Every spatial axis flipped independently with probability {@code p}, for any rank. */
  public static RandomFlip allAxes(double p) {
    return new RandomFlip(null, Draw.probability("RandomFlip probability", p), false);
  }

  /** Only the last spatial axis (W, left-right) flipped, with probability {@code p}. */
  public static RandomFlip horizontal(double p) {
    return new RandomFlip(null, Draw.probability("RandomFlip probability", p), true);
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    Grid g = Grid.of(sample);
    boolean[] flip = new boolean[3];
    boolean any = false;
    for (int axis = 0; axis < g.spatialRank; axis++) {
      double p = probabilityOf(sample, g, axis);
      boolean f = rng.nextDouble() < p;
      flip[g.internalAxis("RandomFlip", axis)] = f;
      any |= f;
    }
    if (!any) {
      return sample;
    }
    int[] dhw = g.dhw();
    int[] strides = g.strides();
    int start = 0;
    int[] steps = new int[3];
    for (int a = 0; a < 3; a++) {
      steps[a] = flip[a] ? -strides[a] : strides[a];
      if (flip[a]) {
        start += (dhw[a] - 1) * strides[a];
      }
    }
    float[] image = new float[sample.image().length];
    Grid.gather(sample.image(), image, g.c, dhw, start, steps);
    int[] label = null;
    if (sample.labeled()) {
      label = new int[sample.label().length];
      Grid.gather(sample.label(), label, dhw, start, steps);
    }
    return g.with(sample, dhw, image, label, sample.spacing());
  }

  private double probabilityOf(Sample sample, Grid g, int axis) {
    if (perAxis != null) {
      if (perAxis.length != g.spatialRank) {
        throw new ShapeMismatchException(
            sample.id() + ": RandomFlip has probabilities for " + perAxis.length
                + " spatial axes " + Arrays.toString(perAxis) + ", the sample has "
                + g.spatialRank);
      }
      return perAxis[axis];
    }
    return lastAxisOnly && axis != g.spatialRank - 1 ? 0.0 : uniform;
  }
}
