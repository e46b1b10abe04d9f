package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;

/**
 * Rotates by {@code k · 90°} with {@code k} uniform in {0, 1, 2, 3} in one plane, exactly as
 * {@code numpy.rot90(x, k, axes=(a, b))} (UniMatch's weak augmentation). Non-square planes swap
 * their sizes. Default plane: the last two spatial axes (H, W) for 2D and 3D samples.
 */
public final class RandomRot90 implements Augmentation {
  private final int axisA;
  private final int axisB;
  private final boolean inPlane;

  /** Rotation in the (H, W) plane of 2D and 3D samples. */
  public RandomRot90() {
    this.axisA = -1;
    this.axisB = -1;
    this.inPlane = true;
  }

  /**
   * Rotation in the plane of spatial axes {@code (axisA, axisB)} (counted as {@code [D, H, W]} for
   * 3D samples), rotating from {@code axisB} towards {@code axisA} like numpy.
   */
  public RandomRot90(int axisA, int axisB) {
    if (axisA == axisB || axisA < 0 || axisB < 0) {
      throw new DelineoException(
          "RandomRot90: expected two different spatial axes, found " + axisA + ", " + axisB);
    }
    this.axisA = axisA;
    this.axisB = axisB;
    this.inPlane = false;
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    int k = rng.nextInt(4);
    return rotate(sample, k);
  }

  /** Rotation by exactly {@code k · 90°} (k in 0..3), the transform this augmentation draws from. */
  public Sample rotate(Sample sample, int k) {
    Grid g = Grid.of(sample);
    int a = inPlane ? 1 : g.internalAxis("RandomRot90", axisA);
    int b = inPlane ? 2 : g.internalAxis("RandomRot90", axisB);
    k = Math.floorMod(k, 4);
    if (k == 0) {
      return sample;
    }
    int[] in3 = g.dhw();
    int[] stride = g.strides();
    int[] out3 = in3.clone();
    int[] steps = stride.clone();
    int start = 0;
    // Source of output index o in the plane, from numpy's definition of rot90:
    // k=1: src_a = o_b, src_b = n_b-1-o_a; k=2: both reversed; k=3: src_a = n_a-1-o_b, src_b = o_a.
    if (k == 1) {
      out3[a] = in3[b];
      out3[b] = in3[a];
      steps[a] = -stride[b];
      start += (in3[b] - 1) * stride[b];
      steps[b] = stride[a];
    } else if (k == 2) {
      steps[a] = -stride[a];
      steps[b] = -stride[b];
      start += (in3[a] - 1) * stride[a] + (in3[b] - 1) * stride[b];
    } else {
      out3[a] = in3[b];
      out3[b] = in3[a];
      steps[a] = stride[b];
      steps[b] = -stride[a];
      start += (in3[a] - 1) * stride[a];
    }
    float[] image = new float[sample.image().length];
    Grid.gather(sample.image(), image, g.c, out3, start, steps);
    int[] label = null;
    if (sample.labeled()) {
      label = new int[sample.label().length];
      Grid.gather(sample.label(), label, out3, start, steps);
    }
    double[] spacing = sample.spacing();
    if (spacing != null && spacing.length == g.spatialRank && k % 2 == 1) {
      spacing = spacing.clone();
      int sa = a - (3 - g.spatialRank);
      int sb = b - (3 - g.spatialRank);
      double t = spacing[sa];
      spacing[sa] = spacing[sb];
      spacing[sb] = t;
    }
    return g.with(sample, out3, image, label, spacing);
  }
}
