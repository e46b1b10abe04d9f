package org.delineo.training.metrics;

import java.util.Arrays;

/**
 * Exact Euclidean distance transform of a binary mask on an anisotropic grid of any rank (2D and
 * 3D in practice): for every voxel, the distance in physical units to the nearest feature voxel.
 *
 * <p>Separable lower-envelope algorithm (Felzenszwalb and Huttenlocher 2012; the same idea as
 * Meijster et al. 2000): the squared distance is a minimum of a sum of per-axis squared terms, so
 * it can be computed one axis at a time. Along each line the 1-D transform
 * {@code D(q) = min_p (s² (q - p)² + f(p))} is the lower envelope of parabolas rooted at the sites
 * p, built in one left-to-right sweep and read off in a second, O(n) per line. Sites with
 * infinite f (no feature reached yet) are left out of the envelope rather than stored as a large
 * number, which keeps the parabola intersections exact. This gives the same values as scipy's
 * {@code distance_transform_edt(~features, sampling=spacing)}.
 */
public final class DistanceTransform {
  private DistanceTransform() {}

  /**
   * Squared distances to the nearest {@code true} voxel of {@code features}; 0 on features and
   * +∞ everywhere when there is no feature.
   */
  public static double[] squaredDistanceToFeatures(boolean[] features, VoxelGrid grid) {
    grid.requireLength(features.length, "distance transform features");
    double[] f = new double[features.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = features[i] ? 0.0 : Double.POSITIVE_INFINITY;
    }
    int n = 0;
    for (int d = 0; d < grid.rank(); d++) {
      n = Math.max(n, grid.extent(d));
    }
    Line line = new Line(n);
    for (int d = 0; d < grid.rank(); d++) {
      transformAxis(f, grid, d, line);
    }
    return f;
  }

  /** Distances (square roots of {@link #squaredDistanceToFeatures}). */
  public static double[] distanceToFeatures(boolean[] features, VoxelGrid grid) {
    double[] out = squaredDistanceToFeatures(features, grid);
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.sqrt(out[i]);
    }
    return out;
  }

  private static void transformAxis(double[] f, VoxelGrid grid, int axis, Line line) {
    int n = grid.extent(axis);
    int stride = grid.stride(axis);
    int block = n * stride;
    double weight = grid.spacing(axis) * grid.spacing(axis);
    for (int outer = 0; outer < f.length; outer += block) {
      for (int inner = 0; inner < stride; inner++) {
        int base = outer + inner;
        for (int q = 0; q < n; q++) {
          line.values[q] = f[base + q * stride];
        }
        line.transform(n, weight);
        for (int q = 0; q < n; q++) {
          f[base + q * stride] = line.result[q];
        }
      }
    }
  }

  /** Work arrays for the 1-D transform, reused across lines. */
  private static final class Line {
    final double[] values;
    final double[] result;
    final int[] sites;
    final double[] bounds;

    Line(int n) {
      values = new double[n];
      result = new double[n];
      sites = new int[n];
      bounds = new double[n + 1];
    }

    /** result[q] = min_p weight·(q − p)² + values[p] over the finite values. */
    void transform(int n, double weight) {
      int k = -1;
      for (int q = 0; q < n; q++) {
        if (values[q] == Double.POSITIVE_INFINITY) {
          continue;
        }
        if (k < 0) {
          k = 0;
          sites[0] = q;
          bounds[0] = Double.NEGATIVE_INFINITY;
          bounds[1] = Double.POSITIVE_INFINITY;
          continue;
        }
        double s = intersection(q, sites[k], weight);
        // bounds[0] is -inf, so this stops at the first parabola at the latest.
        while (s <= bounds[k]) {
          k--;
          s = intersection(q, sites[k], weight);
        }
        k++;
        sites[k] = q;
        bounds[k] = s;
        bounds[k + 1] = Double.POSITIVE_INFINITY;
      }
      if (k < 0) {
        Arrays.fill(result, 0, n, Double.POSITIVE_INFINITY);
        return;
      }
      int j = 0;
      for (int q = 0; q < n; q++) {
        while (bounds[j + 1] < q) {
          j++;
        }
        double dq = q - sites[j];
        result[q] = weight * dq * dq + values[sites[j]];
      }
    }

    /** Abscissa where the parabolas rooted at sites q and p (p < q) meet. */
    private double intersection(int q, int p, double weight) {
      return ((values[q] + weight * q * q) - (values[p] + weight * (double) p * p))
          / (2.0 * weight * (q - p));
    }
  }
}
