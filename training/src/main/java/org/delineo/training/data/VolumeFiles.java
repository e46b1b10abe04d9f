package org.delineo.training.data;

import java.nio.file.Path;
import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.io.NiftiReader;
import org.delineo.training.data.io.NiftiVolume;

/**
 * A NIfTI file read as a 3-D row-major {@code [D, H, W]} volume (D = z, H = y, W = x, so no
 * transposition), with its spacing in the same axis order.
 */
record VolumeFiles(Path file, float[] data, int[] shape, double[] spacing) {

  /**
   * Reads {@code file}; 2-D files count as one slice, a 4th axis must have length 1.
   *
   * @throws DelineoException naming the file when it cannot be read or has more than one frame
   */
  static VolumeFiles read(Path file) {
    NiftiVolume volume = NiftiReader.read(file);
    int[] dims = volume.dims();
    for (int i = 3; i < dims.length; i++) {
      if (dims[i] != 1) {
        throw new DelineoException(file + ": expected a 3-D volume, found dims "
            + Arrays.toString(dims) + " (a 4-D series is not a sample)");
      }
    }
    int[] xyz = new int[3];
    double[] spacingXyz = new double[3];
    for (int i = 0; i < 3; i++) {
      xyz[i] = i < dims.length ? dims[i] : 1;
      spacingXyz[i] = i < dims.length && volume.spacing()[i] > 0 ? volume.spacing()[i] : 1.0;
    }
    return new VolumeFiles(file, volume.data(), new int[] {xyz[2], xyz[1], xyz[0]},
        new double[] {spacingXyz[2], spacingXyz[1], spacingXyz[0]});
  }

  /** Fails unless this volume has the shape of {@code reference}, naming both files. */
  void requireShapeOf(VolumeFiles reference) {
    if (!Arrays.equals(shape, reference.shape)) {
      throw new ShapeMismatchException(file + ": expected shape [D, H, W] = "
          + Arrays.toString(reference.shape) + " like " + reference.file + ", found "
          + Arrays.toString(shape));
    }
  }

  /** Number of voxels. */
  int voxels() {
    return data.length;
  }
}
