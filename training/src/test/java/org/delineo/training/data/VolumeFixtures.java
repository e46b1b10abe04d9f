package org.delineo.training.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.delineo.training.data.io.NiftiDatatype;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;

/** Writes small NIfTI volumes for layout tests. */
public final class VolumeFixtures {
  private VolumeFixtures() {}

  /** A float32 volume whose voxel (z, y, x) holds {@code offset + (z * h + y) * w + x}. */
  public static float[] ramp(int d, int h, int w, float offset) {
    float[] data = new float[d * h * w];
    for (int i = 0; i < data.length; i++) {
      data[i] = offset + i;
    }
    return data;
  }

  public static void write(Path file, float[] rowMajor, int[] shapeDhw, double[] spacingXyz) {
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    NiftiWriter.write(file, NiftiVolume.ofRowMajor(rowMajor, shapeDhw, spacingXyz),
        NiftiDatatype.FLOAT32.code());
  }
}
