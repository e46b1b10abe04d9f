package org.delineo.training.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes volumes and checks them two ways: the header bytes read back at the NIfTI-1 offsets by the
 * test itself, and a round trip through {@link NiftiReader}. Values are exactly representable in
 * every datatype used, so data comparisons are exact; header floats use tolerance 1e-6.
 */
class NiftiWriterTest {
  @TempDir Path dir;

  /** Row-major [D=2, H=3, W=4] volume whose value encodes its index: 100 z + 10 y + x. */
  private static NiftiVolume indexVolume() {
    float[] data = new float[2 * 3 * 4];
    for (int z = 0; z < 2; z++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 4; x++) {
          data[z * 12 + y * 4 + x] = 100 * z + 10 * y + x;
        }
      }
    }
    return NiftiVolume.ofRowMajor(data, new int[] {2, 3, 4}, new double[] {0.5, 0.75, 2.0});
  }

  private static ByteBuffer header(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (file.toString().endsWith(".gz")) {
      bytes = new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes();
    }
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void ofRowMajorReversesTheShapeIntoHeaderDims() {
    NiftiVolume v = indexVolume();
    assertArrayEquals(new int[] {4, 3, 2}, v.dims());
    assertArrayEquals(new int[] {2, 3, 4}, v.rowMajorShape());
    // File order has x fastest: the second voxel is x = 1.
    assertEquals(1f, v.data()[1]);
  }

  @Test
  void headerFieldsAtTheirOffsets() throws IOException {
    Path file = dir.resolve("v.nii");
    NiftiWriter.write(file, indexVolume(), NiftiDatatype.INT16.code());
    ByteBuffer h = header(file);
    assertEquals(352 + 24 * 2, h.capacity());
    assertEquals(348, h.getInt(0));
    assertEquals(3, h.getShort(40));
    assertEquals(4, h.getShort(42));
    assertEquals(3, h.getShort(44));
    assertEquals(2, h.getShort(46));
    assertEquals(4, h.getShort(70));
    assertEquals(16, h.getShort(72));
    assertEquals(0.5f, h.getFloat(80));
    assertEquals(0.75f, h.getFloat(84));
    assertEquals(2f, h.getFloat(88));
    assertEquals(352f, h.getFloat(108));
    assertEquals(1f, h.getFloat(112));
    assertEquals(0f, h.getFloat(116));
    assertEquals(1, h.getShort(254));
    assertEquals(0.5f, h.getFloat(280));
    assertEquals(0.75f, h.getFloat(280 + 16 + 4));
    assertEquals(2f, h.getFloat(280 + 32 + 8));
    assertEquals('n', h.get(344));
    assertEquals('+', h.get(345));
    assertEquals('1', h.get(346));
    assertEquals(0, h.get(347));
    // Voxel (x=3, y=2, z=1) is the last one: 100 + 20 + 3.
    assertEquals(123, h.getShort(352 + 2 * 23));
    // Identity rotation: qform with quaternion (0, 0, 0) and qfac 1.
    assertEquals(1, h.getShort(252));
    assertEquals(0f, h.getFloat(256), 1e-6);
    assertEquals(0f, h.getFloat(264), 1e-6);
    assertEquals(1f, h.getFloat(76));
  }

  @Test
  void roundTripEveryDatatype() throws IOException {
    NiftiVolume v = indexVolume();
    for (NiftiDatatype type : NiftiDatatype.values()) {
      // int8 holds at most 127: use the first 12 voxels' range (0..23) for all types.
      float[] small = new float[v.data().length];
      for (int i = 0; i < small.length; i++) {
        small[i] = type == NiftiDatatype.INT8 ? i - 12 : v.data()[i];
      }
      NiftiVolume in = new NiftiVolume(small, v.dims(), v.spacing(), v.affine(), type.code(), 0f,
          0f);
      Path file = dir.resolve(type.name() + ".nii");
      NiftiWriter.write(file, in);
      NiftiVolume back = NiftiReader.read(file);
      assertArrayEquals(small, back.data(), type.name());
      assertEquals(type.code(), back.datatype());
      assertArrayEquals(v.dims(), back.dims());
      assertArrayEquals(v.spacing(), back.spacing(), 1e-6);
      NiftiReaderTest.assertAffine(v.affine(), back);
    }
  }

  @Test
  void gzipRoundTripByExtension() throws IOException {
    Path file = dir.resolve("v.nii.gz");
    NiftiWriter.write(file, indexVolume());
    byte[] raw = Files.readAllBytes(file);
    assertEquals((byte) 0x1f, raw[0]);
    assertEquals((byte) 0x8b, raw[1]);
    NiftiVolume back = NiftiReader.read(file);
    assertArrayEquals(indexVolume().data(), back.data());
    assertEquals(16, back.datatype());
  }

  @Test
  void fourDimensionalRoundTrip() {
    float[] data = new float[2 * 1 * 2 * 3];
    for (int i = 0; i < data.length; i++) {
      data[i] = i - 5.25f;
    }
    NiftiVolume v = NiftiVolume.ofRowMajor(data, new int[] {2, 1, 2, 3},
        new double[] {1, 2, 3, 0.5});
    Path file = dir.resolve("t.nii");
    NiftiWriter.write(file, v);
    NiftiVolume back = NiftiReader.read(file);
    assertArrayEquals(new int[] {3, 2, 1, 2}, back.dims());
    assertArrayEquals(new double[] {1, 2, 3, 0.5}, back.spacing(), 1e-6);
    assertArrayEquals(data, back.data());
  }

  @Test
  void scaledVolumeStoresRawValuesAndReadsBack() throws IOException {
    float[] data = {-10f, -9.5f, 0f, 5.5f};
    NiftiVolume v = new NiftiVolume(data, new int[] {4}, new double[] {1},
        NiftiVolume.diagonalAffine(new double[] {1}), (short) 4, 0.5f, -10f);
    Path file = dir.resolve("s.nii");
    NiftiWriter.write(file, v);
    ByteBuffer h = header(file);
    assertEquals(0.5f, h.getFloat(112));
    assertEquals(-10f, h.getFloat(116));
    // (value + 10) / 0.5 by hand: 0, 1, 20, 31.
    assertEquals(0, h.getShort(352));
    assertEquals(1, h.getShort(354));
    assertEquals(20, h.getShort(356));
    assertEquals(31, h.getShort(358));
    assertArrayEquals(data, NiftiReader.read(file).data());
  }

  @Test
  void rotatedAffineGetsSformAndMatchingQuaternion() throws IOException {
    // Affine = R · diag(2, 3, 4) · diag(1, 1, -1) with R the 90° rotation about z; translation.
    double[][] affine = {{0, -3, 0, 10}, {2, 0, 0, 20}, {0, 0, -4, 30}, {0, 0, 0, 1}};
    NiftiVolume v = new NiftiVolume(new float[] {1}, new int[] {1, 1, 1},
        new double[] {2, 3, 4}, affine, (short) 16, 0f, 0f);
    Path file = dir.resolve("rot.nii");
    NiftiWriter.write(file, v);
    ByteBuffer h = header(file);
    assertEquals(1, h.getShort(252), "qform_code");
    assertEquals(-1f, h.getFloat(76), "qfac");
    // Quaternion of 90° about z: (b, c, d) = (0, 0, sin 45°), tol 1e-6.
    assertEquals(0, h.getFloat(256), 1e-6);
    assertEquals(0, h.getFloat(260), 1e-6);
    assertEquals(Math.sqrt(0.5), h.getFloat(264), 1e-6);
    assertEquals(10f, h.getFloat(268));
    assertEquals(20f, h.getFloat(272));
    assertEquals(30f, h.getFloat(276));
    NiftiReaderTest.assertAffine(affine, NiftiReader.read(file));

    // The same file with the sform switched off must give the same affine from the qform alone.
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(254, (short) 0);
    Path qOnly = dir.resolve("qonly.nii");
    Files.write(qOnly, bytes);
    NiftiReaderTest.assertAffine(affine, NiftiReader.read(qOnly));
  }

  @Test
  void shearedAffineHasNoQform() throws IOException {
    double[][] affine = {{1, 0.5, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
    NiftiVolume v = new NiftiVolume(new float[] {1}, new int[] {1, 1, 1},
        new double[] {1, 1, 1}, affine, (short) 16, 0f, 0f);
    Path file = dir.resolve("shear.nii");
    NiftiWriter.write(file, v);
    assertEquals(0, header(file).getShort(252));
    NiftiReaderTest.assertAffine(affine, NiftiReader.read(file));
  }

  @Test
  void valueOutOfRangeFailsNamingTheFileAndLeavesNothingBehind() throws IOException {
    NiftiVolume v = NiftiVolume.ofRowMajor(new float[] {1, 300}, new int[] {2},
        new double[] {1});
    Path file = dir.resolve("bad.nii");
    DataFileException e = assertThrows(DataFileException.class,
        () -> NiftiWriter.write(file, v, NiftiDatatype.UINT8.code()));
    assertTrue(e.getMessage().contains("bad.nii") && e.getMessage().contains("300")
        && e.getMessage().contains("uint8"), e.getMessage());
    assertFalse(Files.exists(file));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(0, left.count(), "no temporary file may remain");
    }
    DataFileException t = assertThrows(DataFileException.class,
        () -> NiftiWriter.write(file, v, (short) 32));
    assertTrue(t.getMessage().contains("bad.nii") && t.getMessage().contains("32"),
        t.getMessage());
  }

  @Test
  void overwritesAnExistingFile() {
    Path file = dir.resolve("o.nii");
    NiftiWriter.write(file, NiftiVolume.ofRowMajor(new float[] {1}, new int[] {1},
        new double[] {1}));
    NiftiWriter.write(file, NiftiVolume.ofRowMajor(new float[] {2, 3}, new int[] {2},
        new double[] {1}));
    assertArrayEquals(new float[] {2, 3}, NiftiReader.read(file).data());
  }
}
