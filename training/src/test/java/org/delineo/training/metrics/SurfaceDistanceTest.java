package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;

class SurfaceDistanceTest {
  /** Absolute tolerance on distances in mm of order 1..20. */
  private static final double TOL = 1e-9;

  @Test
  void surfaceIsMaskMinusFaceConnectedErosionWithBackgroundOutside() {
    // 3x3 square inside a 5x5 grid: only the centre survives erosion, 8 surface voxels.
    VoxelGrid g5 = VoxelGrid.isotropic(5, 5);
    boolean[] square = box(g5, new int[] {1, 1}, new int[] {4, 4});
    boolean[] s = SurfaceDistance.surface(square, g5);
    assertEquals(8, SurfaceDistance.count(s));
    assertTrue(!s[2 * 5 + 2] && s[1 * 5 + 1] && s[3 * 5 + 2]);
    // Columns 0..2 of the 5x5 grid touch three grid borders; outside counts as background, so
    // only (1..3, 1) are interior: 15 - 3 = 12 surface voxels (border_value=0 in scipy).
    assertEquals(12, SurfaceDistance.count(SurfaceDistance.surface(box(g5, new int[] {0, 0},
        new int[] {5, 3}), g5)));
    // A 3x3x3 cube in 5x5x5: 27 - 1 = 26 surface voxels. Connectivity 1: a plus-shaped
    // cross's centre has all 4 face neighbours and is interior although its corners are empty.
    VoxelGrid g555 = VoxelGrid.isotropic(5, 5, 5);
    assertEquals(26, SurfaceDistance.count(SurfaceDistance.surface(box(g555,
        new int[] {1, 1, 1}, new int[] {4, 4, 4}), g555)));
    boolean[] plus = new boolean[25];
    for (int i : new int[] {7, 11, 12, 13, 17}) {
      plus[i] = true;
    }
    boolean[] plusSurface = SurfaceDistance.surface(plus, g5);
    assertEquals(4, SurfaceDistance.count(plusSurface));
    assertTrue(!plusSurface[12]);
  }

  @Test
  void twoSingleVoxelsAtAKnownAnisotropicDistance() {
    // (0,0,0) and (1,2,4) with spacing (2, 1, 0.5): sqrt(2² + 2² + 2²) = sqrt(12) in every metric.
    VoxelGrid grid = new VoxelGrid(new int[] {3, 4, 6}, new double[] {2, 1, 0.5});
    boolean[] a = new boolean[grid.size()];
    boolean[] b = new boolean[grid.size()];
    a[0] = true;
    b[1 * 24 + 2 * 6 + 4] = true;
    SurfaceDistance s = SurfaceDistance.between(a, b, grid);
    double d = Math.sqrt(12);
    assertEquals(d, s.hd95(), TOL);
    assertEquals(d, s.hdMax95(), TOL);
    assertEquals(d, s.hausdorff(), TOL);
    assertEquals(d, s.asd(), TOL);
    assertEquals(d, s.assd(), TOL);
  }

  @Test
  void squareAgainstASquareShiftedByOneColumn() {
    // 3x3 squares at columns 1..3 and 2..4 in an 8x8 grid, spacing (rows 2 mm, columns 3 mm).
    // Surfaces are the 8-voxel rings. Prediction ring → reference ring by hand:
    // (1,1) 3, (1,2) 0, (1,3) 0, (2,1) 3, (2,3) 2 (reference (1,3) one row up), (3,1) 3, (3,2) 0,
    // (3,3) 0: sum 11. The reverse direction is the mirror image: the same multiset.
    VoxelGrid grid = new VoxelGrid(new int[] {8, 8}, new double[] {2, 3});
    boolean[] pred = box(grid, new int[] {1, 1}, new int[] {4, 4});
    boolean[] ref = box(grid, new int[] {1, 2}, new int[] {4, 5});
    SurfaceDistance s = SurfaceDistance.between(pred, ref, grid);
    double[] expected = {0, 0, 0, 0, 2, 3, 3, 3};
    assertArrayEquals(expected, sorted(s.predictionToReference()), TOL);
    assertArrayEquals(expected, sorted(s.referenceToPrediction()), TOL);
    // Pooled 16 values: 8 zeros, two 2s, six 3s; rank 15·0.95 = 14.25 lies among the 3s.
    assertEquals(3.0, s.hd95(), TOL);
    assertEquals(11.0 / 8, s.asd(), TOL);
    assertEquals(11.0 / 8, s.assd(), TOL);
  }

  @Test
  void percentileInterpolationAndAsdVersusAssdVersusPooledMean() {
    // One row of 20 voxels (every voxel of a one-row mask is surface: rows outside are
    // background). Prediction = column 0, reference = columns 5..14, column spacing 0.5.
    // pred → ref: {5}; ref → pred: {5, 6, ..., 14} (in voxels; ×0.5 for mm).
    VoxelGrid grid = new VoxelGrid(new int[] {1, 20}, new double[] {1, 0.5});
    boolean[] pred = new boolean[20];
    boolean[] ref = new boolean[20];
    pred[0] = true;
    for (int c = 5; c < 15; c++) {
      ref[c] = true;
    }
    SurfaceDistance s = SurfaceDistance.between(pred, ref, grid);
    // Pooled sorted {5,5,6,...,14}, n = 11: rank 9.5 between 13 and 14 → 13.5 voxels.
    assertEquals(13.5 * 0.5, s.hd95(), TOL);
    // MONAI: max(P95{5} = 5, P95{5..14}: rank 8.55 → 13.55) = 13.55 voxels.
    assertEquals(13.55 * 0.5, s.hdMax95(), TOL);
    assertEquals(14 * 0.5, s.hausdorff(), TOL);
    // medpy asd(pred, ref) = 5; assd = (5 + 9.5) / 2 = 7.25; pooled mean = 100 / 11.
    assertEquals(5 * 0.5, s.asd(), TOL);
    assertEquals(7.25 * 0.5, s.assd(), TOL);
    assertEquals(100.0 / 11 * 0.5, s.pooledMean(), TOL);
    // Swapping the roles swaps the directed sets: asd becomes the other directed mean.
    assertEquals(9.5 * 0.5, SurfaceDistance.between(ref, pred, grid).asd(), TOL);
  }

  @Test
  void matchesBruteForceSurfaceDistancesOnRandomMasks() {
    Random random = new Random(3);
    for (int trial = 0; trial < 30; trial++) {
      boolean threeD = trial % 2 == 0;
      int[] shape = threeD
          ? new int[] {2 + random.nextInt(4), 2 + random.nextInt(5), 2 + random.nextInt(6)}
          : new int[] {2 + random.nextInt(8), 2 + random.nextInt(9)};
      double[] spacing = new double[shape.length];
      for (int d = 0; d < spacing.length; d++) {
        spacing[d] = 0.4 + 2 * random.nextDouble();
      }
      VoxelGrid grid = new VoxelGrid(shape, spacing);
      boolean[] pred = randomMask(grid.size(), random);
      boolean[] ref = randomMask(grid.size(), random);
      SurfaceDistance s = SurfaceDistance.between(pred, ref, grid);
      assertArrayEquals(bruteDirected(pred, ref, shape, spacing),
          sorted(s.predictionToReference()), TOL, "trial " + trial);
      assertArrayEquals(bruteDirected(ref, pred, shape, spacing),
          sorted(s.referenceToPrediction()), TOL, "trial " + trial);
      // The aggregations over the brute-force sets (Percentile is checked by hand in its test).
      double[] forward = bruteDirected(pred, ref, shape, spacing);
      double[] backward = bruteDirected(ref, pred, shape, spacing);
      double[] pooled = new double[forward.length + backward.length];
      System.arraycopy(forward, 0, pooled, 0, forward.length);
      System.arraycopy(backward, 0, pooled, forward.length, backward.length);
      assertEquals(Percentile.linear(pooled, 95), s.hd95(), TOL);
      assertEquals(Math.max(Percentile.linear(forward, 95), Percentile.linear(backward, 95)),
          s.hdMax95(), TOL);
      assertEquals(0.5 * (mean(forward) + mean(backward)), s.assd(), TOL);
    }
  }

  @Test
  void emptyMasksAreRejected() {
    VoxelGrid grid = VoxelGrid.isotropic(2, 2);
    DelineoException e = assertThrows(DelineoException.class,
        () -> SurfaceDistance.between(new boolean[4], new boolean[] {true, false, false, false},
            grid));
    assertTrue(e.getMessage().contains("0 prediction voxels and 1 reference voxels"),
        e.getMessage());
  }

  static boolean[] box(VoxelGrid grid, int[] lo, int[] hi) {
    boolean[] out = new boolean[grid.size()];
    for (int i = 0; i < out.length; i++) {
      int[] c = DistanceTransformTest.coords(i, grid.shape());
      boolean inside = true;
      for (int d = 0; d < c.length; d++) {
        inside &= c[d] >= lo[d] && c[d] < hi[d];
      }
      out[i] = inside;
    }
    return out;
  }

  private static boolean[] randomMask(int n, Random random) {
    boolean[] m = new boolean[n];
    double density = 0.1 + 0.6 * random.nextDouble();
    for (int i = 0; i < n; i++) {
      m[i] = random.nextDouble() < density;
    }
    m[random.nextInt(n)] = true;
    return m;
  }

  private static double mean(double[] v) {
    return Arrays.stream(v).sum() / v.length;
  }

  private static double[] sorted(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c;
  }

  /**
   * Independent formulation on coordinates: a voxel is on the surface when it is in the mask and
   * some face neighbour is outside the grid or outside the mask; its distance is the minimum over
   * the other mask's surface voxels of the spacing-weighted Euclidean distance. Sorted.
   */
  private static double[] bruteDirected(boolean[] from, boolean[] to, int[] shape,
      double[] spacing) {
    boolean[] fromSurface = bruteSurface(from, shape);
    boolean[] toSurface = bruteSurface(to, shape);
    double[] out = new double[SurfaceDistance.count(fromSurface)];
    int k = 0;
    for (int i = 0; i < from.length; i++) {
      if (!fromSurface[i]) {
        continue;
      }
      int[] a = DistanceTransformTest.coords(i, shape);
      double best = Double.POSITIVE_INFINITY;
      for (int j = 0; j < to.length; j++) {
        if (toSurface[j]) {
          int[] b = DistanceTransformTest.coords(j, shape);
          double sq = 0;
          for (int d = 0; d < shape.length; d++) {
            sq += Math.pow((a[d] - b[d]) * spacing[d], 2);
          }
          best = Math.min(best, Math.sqrt(sq));
        }
      }
      out[k++] = best;
    }
    Arrays.sort(out);
    return out;
  }

  private static boolean[] bruteSurface(boolean[] mask, int[] shape) {
    boolean[] out = new boolean[mask.length];
    for (int i = 0; i < mask.length; i++) {
      if (!mask[i]) {
        continue;
      }
      int[] c = DistanceTransformTest.coords(i, shape);
      for (int d = 0; d < shape.length && !out[i]; d++) {
        for (int step = -1; step <= 1; step += 2) {
          int[] n = c.clone();
          n[d] += step;
          if (n[d] < 0 || n[d] >= shape[d] || !mask[index(n, shape)]) {
            out[i] = true;
          }
        }
      }
    }
    return out;
  }

  private static int index(int[] c, int[] shape) {
    int i = 0;
    for (int d = 0; d < shape.length; d++) {
      i = i * shape[d] + c[d];
    }
    return i;
  }
}
