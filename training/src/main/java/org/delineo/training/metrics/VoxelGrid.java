package org.delineo.training.metrics;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;

/**
 * The geometry of a flattened mask or label volume: its shape (row-major, e.g. {@code [D, H, W]}
 * or {@code [H, W]}, last axis fastest) and the physical spacing of each axis (mm per voxel), so
 * that surface distances come out in physical units. The arrays are copied and never exposed.
 */
public final class VoxelGrid {
  private final int[] shape;
  private final double[] spacing;
  private final int size;

  /**
   * @param shape extent of each axis, all ≥ 1
   * @param spacing one positive finite spacing per axis, in the order of {@code shape}
   * @throws DelineoException when the ranks differ or an extent or spacing is invalid
   */
  public VoxelGrid(int[] shape, double[] spacing) {
    if (shape.length == 0 || shape.length != spacing.length) {
      throw new DelineoException("voxel grid: expected one spacing per axis of shape "
          + Arrays.toString(shape) + ", found spacing " + Arrays.toString(spacing));
    }
    long n = 1;
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] < 1) {
        throw new DelineoException("voxel grid: axis " + d + " of shape " + Arrays.toString(shape)
            + " must be at least 1");
      }
      if (!(spacing[d] > 0) || Double.isInfinite(spacing[d])) {
        throw new DelineoException("voxel grid: spacing of axis " + d + " must be positive and"
            + " finite, found " + Arrays.toString(spacing));
      }
      n *= shape[d];
    }
    if (n > Integer.MAX_VALUE) {
      throw new DelineoException("voxel grid: shape " + Arrays.toString(shape)
          + " has more than 2^31-1 voxels");
    }
    this.shape = shape.clone();
    this.spacing = spacing.clone();
    this.size = (int) n;
  }

  /** A grid with spacing 1 on every axis (BraTS convention: 1 mm isotropic). */
  public static VoxelGrid isotropic(int... shape) {
    double[] ones = new double[shape.length];
    Arrays.fill(ones, 1.0);
    return new VoxelGrid(shape, ones);
  }

  public int rank() {
    return shape.length;
  }

  /** Number of voxels. */
  public int size() {
    return size;
  }

  public int extent(int axis) {
    return shape[axis];
  }

  public double spacing(int axis) {
    return spacing[axis];
  }

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  /** A copy of the spacing. */
  public double[] spacing() {
    return spacing.clone();
  }

  /** Distance between consecutive flat indices along {@code axis} (row-major). */
  public int stride(int axis) {
    int s = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      s *= shape[d];
    }
    return s;
  }

  /**
   * Checks that a flattened array has one value per voxel.
   *
   * @throws ShapeMismatchException naming {@code what} with the expected and found lengths
   */
  public void requireLength(int length, String what) {
    if (length != size) {
      throw new ShapeMismatchException(what + ": expected " + size + " voxels for shape "
          + Arrays.toString(shape) + ", found " + length);
    }
  }

  @Override
  public String toString() {
    return "VoxelGrid" + Arrays.toString(shape) + " spacing " + Arrays.toString(spacing);
  }
}
