package org.delineo.training.data.io;

import java.util.Arrays;
import org.delineo.graph.ShapeMismatchException;

/**
 * A NIfTI-1 image in memory: voxel values (after {@code scl_slope}/{@code scl_inter} scaling) plus
 * the geometry from the header.
 *
 * <p><b>Axis order.</b> {@code data} is in FILE order: x varies fastest, then y, then z (then t).
 * {@code dims} is as in the header, {@code [nx, ny, nz(, nt)]}. Read as a row-major (C-order) array,
 * the same buffer therefore has shape {@link #rowMajorShape()} = {@code dims} reversed, e.g.
 * {@code [nz, ny, nx]}: a BraTS volume with header dims 240×240×155 is a row-major {@code [155,
 * 240, 240]} array ({@code [D, H, W]}) with no transposition needed. A 4-D file {@code [nx, ny, nz,
 * nt]} is row-major {@code [nt, nz, ny, nx]}; making t the channels-last axis needs a transposition,
 * which is the caller's job.
 *
 * <p>The arrays are stored as given (no defensive copies: volumes are large).
 *
 * @param data voxel values in file order (x fastest), length = product of {@code dims}
 * @param dims header dimensions {@code [nx, ny(, nz(, nt))]}, 1 to 4 entries, each positive
 * @param spacing voxel size per header axis ({@code pixdim[1..ndim]}), x first, same length as dims
 * @param affine 4×4 voxel-to-world matrix (sform when present, else qform, else diag(spacing))
 * @param datatype the header's datatype code as stored in the file (see {@link NiftiDatatype})
 * @param sclSlope the header's {@code scl_slope} (0 = no scaling, the NIfTI rule); already applied
 *     to {@code data}
 * @param sclInter the header's {@code scl_inter}; already applied to {@code data}
 */
public record NiftiVolume(
    float[] data,
    int[] dims,
    double[] spacing,
    double[][] affine,
    short datatype,
    float sclSlope,
    float sclInter) {

  public NiftiVolume {
    if (dims.length < 1 || dims.length > 4) {
      throw new ShapeMismatchException(
          "NIfTI volume: expected 1 to 4 dimensions, found " + Arrays.toString(dims));
    }
    long n = 1;
    for (int d : dims) {
      if (d <= 0) {
        throw new ShapeMismatchException(
            "NIfTI volume: dimensions must be positive, found " + Arrays.toString(dims));
      }
      n *= d;
    }
    if (n != data.length) {
      throw new ShapeMismatchException(
          "NIfTI volume: dims " + Arrays.toString(dims) + " need " + n + " values, found "
              + data.length);
    }
    if (spacing.length != dims.length) {
      throw new ShapeMismatchException(
          "NIfTI volume: expected one spacing per dimension (" + dims.length + "), found "
              + Arrays.toString(spacing));
    }
    if (affine.length != 4) {
      throw new ShapeMismatchException(
          "NIfTI volume: affine must be 4x4, found " + affine.length + " rows");
    }
    for (double[] row : affine) {
      if (row.length != 4) {
        throw new ShapeMismatchException(
            "NIfTI volume: affine must be 4x4, found a row of " + row.length);
      }
    }
  }

  /**
   * A float32 volume from a row-major array, e.g. {@code [D, H, W]} for a 3-D volume.
   *
   * @param data values in row-major order of {@code rowMajorShape}
   * @param rowMajorShape the array's shape, slowest axis first ({@code [nz, ny, nx]}); 1 to 4 axes
   * @param spacingXyz voxel size per axis in HEADER order, x first (i.e. reversed relative to
   *     {@code rowMajorShape}: for {@code [D, H, W]} pass {@code [sw, sh, sd]})
   * @return a volume with dims = {@code rowMajorShape} reversed, affine = diag(spacing), no scaling
   */
  public static NiftiVolume ofRowMajor(float[] data, int[] rowMajorShape, double[] spacingXyz) {
    int[] dims = reversed(rowMajorShape);
    return new NiftiVolume(
        data,
        dims,
        spacingXyz.clone(),
        diagonalAffine(spacingXyz),
        NiftiDatatype.FLOAT32.code(),
        0f,
        0f);
  }

  /**
   * A label map on this volume's grid (dims, spacing, affine), stored as unsigned 8-bit without
   * scaling, e.g. a prediction to open over the image it came from.
   *
   * @param labels class ids in this volume's layout, one per voxel, each in 0..255
   */
  public NiftiVolume withLabels(int[] labels) {
    float[] values = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      values[i] = labels[i];
    }
    return new NiftiVolume(values, dims, spacing, affine, NiftiDatatype.UINT8.code(), 1f, 0f);
  }

  /**
   * The shape in which {@link #data()} is a row-major array: {@code dims} reversed, e.g. {@code
   * [nz, ny, nx]} (BraTS 240×240×155 gives {@code [155, 240, 240]}).
   */
  public int[] rowMajorShape() {
    return reversed(dims);
  }

  /** Number of header dimensions (1 to 4). */
  public int rank() {
    return dims.length;
  }

  /**
   * The 4×4 affine {@code diag(sx, sy, sz, 1)} for the given per-axis spacing (x first); axes the
   * spacing does not cover count as 1.
   */
  public static double[][] diagonalAffine(double[] spacingXyz) {
    double[][] a = new double[4][4];
    for (int i = 0; i < 3; i++) {
      a[i][i] = i < spacingXyz.length ? spacingXyz[i] : 1.0;
    }
    a[3][3] = 1.0;
    return a;
  }

  private static int[] reversed(int[] shape) {
    int[] r = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      r[i] = shape[shape.length - 1 - i];
    }
    return r;
  }
}
