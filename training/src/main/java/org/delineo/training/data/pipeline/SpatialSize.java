package org.delineo.training.data.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.delineo.training.data.io.DataFileException;
import org.delineo.training.data.io.ImageHeader;
import org.delineo.training.data.io.MetaImageReader;
import org.delineo.training.data.io.NiftiHeader;
import org.delineo.training.data.io.NiftiReader;
import org.delineo.training.data.io.NpyReader;

/**
 * The spatial size of a data file from its header alone, in the samples' axis order: {@code [H,
 * W]} for PNG / JPEG images, {@code [D, H, W]} for NIfTI and MetaImage volumes (their x-first
 * dims reversed, missing axes 1, as {@link VolumeFiles} reads them), the shape for {@code .npy}.
 * Each reader's header entry point also checks that the file is complete, so a file that passes
 * here has the size its reader will find.
 */
final class SpatialSize {
  private SpatialSize() {}

  /**
   * The size of {@code file}, or {@code null} for a format without a header check (it only has to
   * exist).
   *
   * @throws DataFileException naming the file when it is missing, damaged or unsupported
   */
  static int[] of(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg")) {
      ImageHeader image = ImageHeader.read(file);
      return new int[] {image.height(), image.width()};
    }
    if (name.endsWith(".nii") || name.endsWith(".nii.gz")) {
      NiftiHeader header = NiftiReader.readHeader(file);
      int[] dims = header.dims();
      if (dims.length > 3 && dims[3] != 1) {
        throw new DataFileException(file, "expected a 3-D volume, found dims "
            + Arrays.toString(dims) + " (a 4-D series is not a sample)");
      }
      return dhw(dims);
    }
    if (name.endsWith(".mhd") || name.endsWith(".mha")) {
      return dhw(MetaImageReader.readDimSize(file));
    }
    if (name.endsWith(".npy")) {
      return NpyReader.readShape(file);
    }
    if (!Files.isRegularFile(file)) {
      throw new DataFileException(file, "file not found");
    }
    return null;
  }

  /** x-first dims (1 to 3 axes used) as {@code [D, H, W]}. */
  private static int[] dhw(int[] xyz) {
    return new int[] {xyz.length > 2 ? xyz[2] : 1, xyz.length > 1 ? xyz[1] : 1, xyz[0]};
  }

  /** {@code 64x60} with the axis names, e.g. {@code 64x60 (H x W)}. */
  static String describe(int[] size) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < size.length; i++) {
      sb.append(i == 0 ? "" : "x").append(size[i]);
    }
    return sb.append(size.length == 2 ? " (H x W)" : size.length == 3 ? " (D x H x W)" : "")
        .toString();
  }
}
