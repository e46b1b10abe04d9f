package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.delineo.graph.ShapeMismatchException;
import org.junit.jupiter.api.Test;

class DistanceTransformTest {
  /** Absolute tolerance on squared distances of order 1..100; the algorithm is exact up to rounding. */
  private static final double TOL = 1e-9;

  @Test
  void matchesBruteForceOnRandom2dMasksWithAnisotropicSpacing() {
    Random random = new Random(7);
    for (int trial = 0; trial < 20; trial++) {
      int[] shape = {1 + random.nextInt(9), 1 + random.nextInt(11)};
      double[] spacing = {0.3 + 2 * random.nextDouble(), 0.3 + 2 * random.nextDouble()};
      checkAgainstBruteForce(shape, spacing, random, 0.05 + 0.3 * random.nextDouble());
    }
  }

  @Test
  void matchesBruteForceOnRandom3dMasksWithAnisotropicSpacing() {
    Random random = new Random(11);
    for (int trial = 0; trial < 15; trial++) {
      int[] shape = {1 + random.nextInt(6), 1 + random.nextInt(7), 1 + random.nextInt(8)};
      double[] spacing = {10.0, 0.5 + random.nextDouble(), 0.2 + 3 * random.nextDouble()};
      checkAgainstBruteForce(shape, spacing, random, 0.02 + 0.2 * random.nextDouble());
    }
  }

  @Test
  void singleFeatureGivesTheWeightedDistanceByHand() {
    // 3 x 4 grid, spacing (2, 0.5), feature at (1, 3): voxel (0, 0) is 1 row and 3 columns away,
    // squared distance (1·2)² + (3·0.5)² = 4 + 2.25 = 6.25.
    boolean[] f = new boolean[12];
    f[1 * 4 + 3] = true;
    double[] d = DistanceTransform.distanceToFeatures(f, new VoxelGrid(new int[] {3, 4},
        new double[] {2, 0.5}));
    assertEquals(2.5, d[0], TOL);
    assertEquals(0.0, d[7], TOL);
    assertEquals(Math.sqrt(4 + 0.25), d[2 * 4 + 2], TOL);
  }

  @Test
  void noFeatureIsInfiniteEverywhereAndWrongLengthIsRejected() {
    double[] d = DistanceTransform.squaredDistanceToFeatures(new boolean[6],
        VoxelGrid.isotropic(2, 3));
    for (double v : d) {
      assertEquals(Double.POSITIVE_INFINITY, v);
    }
    assertThrows(ShapeMismatchException.class,
        () -> DistanceTransform.squaredDistanceToFeatures(new boolean[5], VoxelGrid.isotropic(2, 3)));
  }

  private static void checkAgainstBruteForce(int[] shape, double[] spacing, Random random,
      double density) {
    VoxelGrid grid = new VoxelGrid(shape, spacing);
    boolean[] features = new boolean[grid.size()];
    for (int i = 0; i < features.length; i++) {
      features[i] = random.nextDouble() < density;
    }
    double[] fast = DistanceTransform.squaredDistanceToFeatures(features, grid);
    double[] slow = bruteForce(features, shape, spacing);
    for (int i = 0; i < fast.length; i++) {
      assertEquals(slow[i], fast[i], TOL, "voxel " + i + " of grid " + grid);
    }
  }

  /** min over all feature voxels of Σ_d (spacing_d · Δ_d)², coordinates from row-major indices. */
  private static double[] bruteForce(boolean[] features, int[] shape, double[] spacing) {
    double[] out = new double[features.length];
    for (int i = 0; i < features.length; i++) {
      int[] a = coords(i, shape);
      double best = Double.POSITIVE_INFINITY;
      for (int j = 0; j < features.length; j++) {
        if (features[j]) {
          int[] b = coords(j, shape);
          double s = 0;
          for (int d = 0; d < shape.length; d++) {
            double delta = (a[d] - b[d]) * spacing[d];
            s += delta * delta;
          }
          best = Math.min(best, s);
        }
      }
      out[i] = best;
    }
    return out;
  }

  static int[] coords(int index, int[] shape) {
    int[] c = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      c[d] = index % shape[d];
      index /= shape[d];
    }
    return c;
  }
}
