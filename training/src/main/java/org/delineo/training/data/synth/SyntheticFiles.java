package org.delineo.training.data.synth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;
import org.delineo.training.data.io.DecodedImage;
import org.delineo.training.data.io.ImageWriter;
import org.delineo.training.data.io.LabelMap;
import org.delineo.training.data.io.NiftiDatatype;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;

/** Writes generated arrays through the project's writers, creating folders as needed. */
final class SyntheticFiles {
  static final short INT16 = NiftiDatatype.INT16.code();
  static final short UINT8 = NiftiDatatype.UINT8.code();

  private SyntheticFiles() {}

  /** Writes a row-major {@code [D, H, W]} volume as NIfTI, stored as {@code datatype}. */
  static void writeNifti(Path file, float[] data, int[] shape, double[] spacingXyz,
      short datatype) {
    createParent(file);
    NiftiWriter.write(file, NiftiVolume.ofRowMajor(data, shape, spacingXyz), datatype);
  }

  /** Writes a scene's image as an 8-bit RGB PNG. */
  static void writeRgbPng(Path file, SyntheticScenes2d.Scene scene) {
    createParent(file);
    float[] data = new float[scene.rgb().length];
    for (int i = 0; i < data.length; i++) {
      data[i] = scene.rgb()[i];
    }
    ImageWriter.writePng(file, new DecodedImage(scene.height(), scene.width(), 3, data));
  }

  /** Writes a scene's labels as an 8-bit grey PNG whose value is the label id. */
  static void writeLabelPng(Path file, SyntheticScenes2d.Scene scene) {
    createParent(file);
    ImageWriter.writeLabelsPng(file, new LabelMap(scene.height(), scene.width(), scene.labels()));
  }

  /** Writes a UTF-8 text file. */
  static void writeText(Path file, String text) {
    try {
      SafeFiles.durable().writeString(file, text);
    } catch (IOException e) {
      throw new DelineoException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  static float[] toFloats(int[] values) {
    float[] result = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i];
    }
    return result;
  }

  private static void createParent(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new DelineoException("cannot create folder for " + file + ": " + e.getMessage(), e);
    }
  }
}
