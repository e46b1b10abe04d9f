package org.delineo.training.metrics;

import org.delineo.graph.DelineoException;

/**
 * The surface distances between a predicted and a reference binary mask, with medpy's semantics
 * ({@code medpy.metric.binary}, connectivity 1), and the distance metrics derived from them.
 *
 * <p>A mask's surface is the mask XOR its binary erosion by the connectivity-1 structure (the
 * voxel and its face neighbours); voxels outside the grid count as background, so a mask touching
 * the grid border has surface there (scipy's {@code border_value=0}). The directed distances
 * A → B are, for every surface voxel of A, the Euclidean distance (scaled by the spacing) to the
 * nearest surface voxel of B, as medpy's {@code __surface_distances(A, B)}.
 *
 * <p>Both masks must be non-empty (medpy raises); the conventions for empty masks live in
 * {@link EmptyMaskRule}. The work is restricted to the bounding box of the union of the two
 * masks, which gives identical results: every surface voxel lies inside it, and the voxels just
 * outside it are background whether or not the box touches the grid border.
 */
public final class SurfaceDistance {
  private final double[] predictionToReference;
  private final double[] referenceToPrediction;

  private SurfaceDistance(double[] predictionToReference, double[] referenceToPrediction) {
    this.predictionToReference = predictionToReference;
    this.referenceToPrediction = referenceToPrediction;
  }

  /**
   * The directed surface distances both ways between {@code prediction} and {@code reference}.
   *
   * @throws DelineoException when either mask is empty (the message gives both voxel counts)
   */
  public static SurfaceDistance between(boolean[] prediction, boolean[] reference,
      VoxelGrid grid) {
    grid.requireLength(prediction.length, "surface distance prediction");
    grid.requireLength(reference.length, "surface distance reference");
    int predicted = count(prediction);
    int referenced = count(reference);
    if (predicted == 0 || referenced == 0) {
      throw new DelineoException("surface distance needs non-empty masks, found " + predicted
          + " prediction voxels and " + referenced + " reference voxels (use an EmptyMaskRule)");
    }
    Box box = Box.around(prediction, reference, grid);
    VoxelGrid sub = box.grid(grid);
    boolean[] predSurface = surface(box.crop(prediction, grid), sub);
    boolean[] refSurface = surface(box.crop(reference, grid), sub);
    return new SurfaceDistance(
        sample(DistanceTransform.distanceToFeatures(refSurface, sub), predSurface),
        sample(DistanceTransform.distanceToFeatures(predSurface, sub), refSurface));
  }

  /** The mask's surface: mask XOR erosion by the connectivity-1 structure, outside = background. */
  public static boolean[] surface(boolean[] mask, VoxelGrid grid) {
    grid.requireLength(mask.length, "surface mask");
    int rank = grid.rank();
    int[] strides = new int[rank];
    for (int d = 0; d < rank; d++) {
      strides[d] = grid.stride(d);
    }
    boolean[] out = new boolean[mask.length];
    for (int i = 0; i < mask.length; i++) {
      if (!mask[i]) {
        continue;
      }
      boolean interior = true;
      for (int d = 0; d < rank && interior; d++) {
        int coord = (i / strides[d]) % grid.extent(d);
        interior = coord > 0 && mask[i - strides[d]]
            && coord < grid.extent(d) - 1 && mask[i + strides[d]];
      }
      out[i] = !interior;
    }
    return out;
  }

  /** Distances from each prediction surface voxel to the reference surface (a copy). */
  public double[] predictionToReference() {
    return predictionToReference.clone();
  }

  /** Distances from each reference surface voxel to the prediction surface (a copy). */
  public double[] referenceToPrediction() {
    return referenceToPrediction.clone();
  }

  /** Both directed sets concatenated (prediction → reference first), as medpy's hd95 pools them. */
  public double[] pooled() {
    double[] out = new double[predictionToReference.length + referenceToPrediction.length];
    System.arraycopy(predictionToReference, 0, out, 0, predictionToReference.length);
    System.arraycopy(referenceToPrediction, 0, out, predictionToReference.length,
        referenceToPrediction.length);
    return out;
  }

  /** medpy {@code hd95}: the 95th percentile (numpy linear) of the pooled distances. */
  public double hd95() {
    return Percentile.linear(pooled(), 95);
  }

  /**
   * MONAI's {@code compute_hausdorff_distance(percentile=95, directed=False)} aggregation: the
   * larger of the two directed 95th percentiles; generally ≥ {@link #hd95()}. (Computed here on
   * medpy's surfaces; MONAI's edge extraction can differ at the grid border.)
   */
  public double hdMax95() {
    return Math.max(Percentile.linear(predictionToReference, 95),
        Percentile.linear(referenceToPrediction, 95));
  }

  /** medpy {@code hd}: the largest distance in either direction. */
  public double hausdorff() {
    return Math.max(max(predictionToReference), max(referenceToPrediction));
  }

  /**
   * medpy {@code asd(prediction, reference)}: the mean of the directed distances prediction →
   * reference only (not symmetric; the SSL4MIS lineage reports this as "ASD").
   */
  public double asd() {
    return mean(predictionToReference);
  }

  /**
   * medpy {@code assd}: the mean of the two directed means, (asd(P, R) + asd(R, P)) / 2. This
   * differs from {@link #pooledMean()} when the surfaces have different voxel counts.
   */
  public double assd() {
    return 0.5 * (mean(predictionToReference) + mean(referenceToPrediction));
  }

  /** The mean of the pooled distances (each surface voxel weighted equally). */
  public double pooledMean() {
    return mean(pooled());
  }

  static int count(boolean[] mask) {
    int n = 0;
    for (boolean b : mask) {
      if (b) {
        n++;
      }
    }
    return n;
  }

  private static double[] sample(double[] distances, boolean[] at) {
    double[] out = new double[count(at)];
    int j = 0;
    for (int i = 0; i < at.length; i++) {
      if (at[i]) {
        out[j++] = distances[i];
      }
    }
    return out;
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  private static double max(double[] values) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      m = Math.max(m, v);
    }
    return m;
  }

  /** Inclusive-exclusive bounding box of the union of two masks. */
  private record Box(int[] lo, int[] hi) {
    static Box around(boolean[] a, boolean[] b, VoxelGrid grid) {
      int rank = grid.rank();
      int[] lo = new int[rank];
      int[] hi = new int[rank];
      java.util.Arrays.fill(lo, Integer.MAX_VALUE);
      for (int i = 0; i < a.length; i++) {
        if (a[i] || b[i]) {
          int rest = i;
          for (int d = rank - 1; d >= 0; d--) {
            int c = rest % grid.extent(d);
            rest /= grid.extent(d);
            lo[d] = Math.min(lo[d], c);
            hi[d] = Math.max(hi[d], c + 1);
          }
        }
      }
      return new Box(lo, hi);
    }

    VoxelGrid grid(VoxelGrid full) {
      int[] shape = new int[lo.length];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = hi[d] - lo[d];
      }
      return new VoxelGrid(shape, full.spacing());
    }

    boolean[] crop(boolean[] mask, VoxelGrid full) {
      VoxelGrid sub = grid(full);
      boolean[] out = new boolean[sub.size()];
      int rank = lo.length;
      int[] strides = new int[rank];
      for (int d = 0; d < rank; d++) {
        strides[d] = full.stride(d);
      }
      for (int j = 0; j < out.length; j++) {
        int rest = j;
        int source = 0;
        for (int d = rank - 1; d >= 0; d--) {
          int c = rest % sub.extent(d);
          rest /= sub.extent(d);
          source += (c + lo[d]) * strides[d];
        }
        out[j] = mask[source];
      }
      return out;
    }
  }
}
