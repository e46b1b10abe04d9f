package org.delineo.training.data.augment;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;

/**
 * Rotates by a uniform random angle in [minDegrees, maxDegrees) about the centre of one plane,
 * keeping the shape: bilinear for the image, nearest neighbour for the label; pixels whose source
 * lies outside the sample get the {@link Fill}. 2D samples rotate in (H, W); 3D samples in one
 * plane drawn uniformly from the configured ones (default all three, like PASSION's RandomRotion).
 * The positive direction matches {@link RandomRot90}: +90° on a square plane equals rot90 with k=1.
 *
 * <p>{@link #withNearestImage()} samples the image by nearest neighbour too (PASSION's
 * RandomRotion uses order 0 for both); {@link #withIntegerDegrees()} draws whole degrees in
 * [minDegrees, maxDegrees) as its {@code np.random.randint} does.
 */
public final class RandomRotation implements Augmentation {
  private final double minDegrees;
  private final double maxDegrees;
  private final Fill fill; // null: by rank
  private final int[][] planes; // null: default for the rank
  private final boolean nearestImage;
  private final boolean integerDegrees;

  /** Angles uniform in [minDegrees, maxDegrees) (a single angle when both are equal). */
  public RandomRotation(double minDegrees, double maxDegrees) {
    this(minDegrees, maxDegrees, null, null, false, false);
  }

  private RandomRotation(double minDegrees, double maxDegrees, Fill fill, int[][] planes,
      boolean nearestImage, boolean integerDegrees) {
    Draw.range("RandomRotation degrees", minDegrees, maxDegrees);
    this.minDegrees = minDegrees;
    this.maxDegrees = maxDegrees;
    this.fill = fill;
    this.planes = planes;
    this.nearestImage = nearestImage;
    this.integerDegrees = integerDegrees;
  }

  /** The same rotation filling with {@code fill} instead of the default for the sample's rank. */
  public RandomRotation withFill(Fill fill) {
    return new RandomRotation(minDegrees, maxDegrees, fill, planes, nearestImage, integerDegrees);
  }

  /** The same rotation sampling the image by nearest neighbour (like the label) instead of bilinear. */
  public RandomRotation withNearestImage() {
    return new RandomRotation(minDegrees, maxDegrees, fill, planes, true, integerDegrees);
  }

  /**
   * The same rotation drawing a whole number of degrees uniformly from [ceil(min), ceil(max))
   * (the single angle {@code min} when the range holds no other integer).
   */
  public RandomRotation withIntegerDegrees() {
    return new RandomRotation(minDegrees, maxDegrees, fill, planes, nearestImage, true);
  }

  /**
   * The same rotation in one of {@code planes} (pairs of spatial axes, e.g. {@code {1, 2}} for the
   * (H, W) plane of a 3D sample), drawn uniformly per sample.
   */
  public RandomRotation withPlanes(int[]... planes) {
    if (planes.length == 0) {
      throw new DelineoException("RandomRotation: expected at least one plane, found none");
    }
    int[][] copy = new int[planes.length][];
    for (int i = 0; i < planes.length; i++) {
      if (planes[i].length != 2 || planes[i][0] == planes[i][1]) {
        throw new DelineoException(
            "RandomRotation: a plane is two different spatial axes, found "
                + Arrays.toString(planes[i]));
      }
      copy[i] = planes[i].clone();
    }
    return new RandomRotation(minDegrees, maxDegrees, fill, copy, nearestImage, integerDegrees);
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    Grid g = Grid.of(sample);
    int[][] choices = planes != null ? planes : defaultPlanes(g.spatialRank);
    int[] plane = choices.length == 1 ? choices[0] : choices[rng.nextInt(choices.length)];
    double degrees = integerDegrees ? drawInteger(rng) : Draw.uniform(rng, minDegrees, maxDegrees);
    return rotate(sample, plane[0], plane[1], degrees);
  }

  /**
   * Rotation of {@code sample} by {@code degrees} in the plane of spatial axes (axisA, axisB): the
   * transform this augmentation draws from.
   */
  public Sample rotate(Sample sample, int axisA, int axisB, double degrees) {
    Grid g = Grid.of(sample);
    int a = g.internalAxis("RandomRotation", axisA);
    int b = g.internalAxis("RandomRotation", axisB);
    int t = 3 - a - b;
    int[] n3 = g.dhw();
    int[] stride = g.strides();
    Fill f = fill != null ? fill : Fill.defaultFor(sample);
    double theta = Math.toRadians(degrees);
    double cos = Math.cos(theta);
    double sin = Math.sin(theta);
    int na = n3[a];
    int nb = n3[b];
    double ca = (na - 1) / 2.0;
    double cb = (nb - 1) / 2.0;
    int c = g.c;
    float[] in = sample.image();
    float[] image = new float[in.length];
    int[] inLabel = sample.label();
    int[] label = inLabel == null ? null : new int[inLabel.length];
    float fillValue = f.image();
    for (int it = 0; it < n3[t]; it++) {
      int baseT = it * stride[t];
      for (int ia = 0; ia < na; ia++) {
        double da = ia - ca;
        for (int ib = 0; ib < nb; ib++) {
          double db = ib - cb;
          // Inverse map: the source of output (ia, ib) is the output rotated back by -theta.
          double sa = ca + cos * da + sin * db;
          double sb = cb - sin * da + cos * db;
          int dst = baseT + ia * stride[a] + ib * stride[b];
          int ra = (int) Math.floor(sa + 0.5);
          int rb = (int) Math.floor(sb + 0.5);
          boolean nearestInside = ra >= 0 && ra < na && rb >= 0 && rb < nb;
          int nearest = baseT + ra * stride[a] + rb * stride[b];
          if (label != null) {
            label[dst] = nearestInside ? inLabel[nearest] : f.label();
          }
          if (nearestImage) {
            for (int ch = 0; ch < c; ch++) {
              image[dst * c + ch] = nearestInside ? in[nearest * c + ch] : fillValue;
            }
            continue;
          }
          int a0 = (int) Math.floor(sa);
          int b0 = (int) Math.floor(sb);
          float wa = (float) (sa - a0);
          float wb = (float) (sb - b0);
          boolean a0in = a0 >= 0 && a0 < na;
          boolean a1in = a0 + 1 >= 0 && a0 + 1 < na;
          boolean b0in = b0 >= 0 && b0 < nb;
          boolean b1in = b0 + 1 >= 0 && b0 + 1 < nb;
          int p00 = (baseT + a0 * stride[a] + b0 * stride[b]) * c;
          int p01 = p00 + stride[b] * c;
          int p10 = p00 + stride[a] * c;
          int p11 = p10 + stride[b] * c;
          float w00 = (1 - wa) * (1 - wb);
          float w01 = (1 - wa) * wb;
          float w10 = wa * (1 - wb);
          float w11 = wa * wb;
          int q = dst * c;
          for (int ch = 0; ch < c; ch++) {
            float v00 = a0in && b0in ? in[p00 + ch] : fillValue;
            float v01 = a0in && b1in ? in[p01 + ch] : fillValue;
            float v10 = a1in && b0in ? in[p10 + ch] : fillValue;
            float v11 = a1in && b1in ? in[p11 + ch] : fillValue;
            image[q + ch] = w00 * v00 + w01 * v01 + w10 * v10 + w11 * v11;
          }
        }
      }
    }
    return g.with(sample, n3, image, label, sample.spacing());
  }

  private double drawInteger(RandomGenerator rng) {
    int lo = (int) Math.ceil(minDegrees);
    int hi = (int) Math.ceil(maxDegrees);
    return hi > lo ? rng.nextInt(lo, hi) : minDegrees;
  }

  private static int[][] defaultPlanes(int spatialRank) {
    return spatialRank == 2 ? new int[][] {{0, 1}} : new int[][] {{0, 1}, {0, 2}, {1, 2}};
  }
}
