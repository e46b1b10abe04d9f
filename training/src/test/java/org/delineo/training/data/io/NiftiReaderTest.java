package org.delineo.training.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads NIfTI files whose bytes are built field by field in the test ({@link NiftiFileBuilder}).
 * Voxel values are small integers or binary fractions, so comparisons are exact unless a tolerance
 * is stated (affines stored as float32: 1e-6).
 */
class NiftiReaderTest {
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static float[] floats(double... v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  @Test
  void uint8ThreeDimensionalInFileOrder() throws IOException {
    // dims x=3, y=2, z=2: file order is x fastest.
    int[] values = {0, 1, 2, 10, 11, 12, 100, 101, 102, 200, 254, 255};
    byte[] bytes = new NiftiFileBuilder(LE, 2, 8, 3, 2, 2).pixdim(1, 0.5f).pixdim(2, 0.75f)
        .pixdim(3, 2f).uint8(values).bytes();
    NiftiVolume v = NiftiReader.read(write("u8.nii", bytes));
    assertArrayEquals(new int[] {3, 2, 2}, v.dims());
    assertArrayEquals(new int[] {2, 2, 3}, v.rowMajorShape());
    assertArrayEquals(floats(0, 1, 2, 10, 11, 12, 100, 101, 102, 200, 254, 255), v.data());
    assertArrayEquals(new double[] {0.5, 0.75, 2.0}, v.spacing());
    assertEquals(2, v.datatype());
    // No sform/qform: diag(spacing).
    assertAffine(new double[][] {{0.5, 0, 0, 0}, {0, 0.75, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 1}}, v);
    // Row-major [z][y][x]: element (z=1, y=0, x=2) is at 1*6 + 0*3 + 2.
    assertEquals(102f, v.data()[1 * 6 + 0 * 3 + 2]);
  }

  @Test
  void eachSignedAndFloatDatatype() throws IOException {
    assertArrayEquals(floats(-32768, -1, 0, 32767),
        NiftiReader.read(write("i16.nii", new NiftiFileBuilder(LE, 4, 16, 4)
            .int16(-32768, -1, 0, 32767).bytes())).data());
    assertArrayEquals(floats(-100000, 7, 0, 1 << 24),
        NiftiReader.read(write("i32.nii", new NiftiFileBuilder(LE, 8, 32, 2, 2)
            .int32(-100000, 7, 0, 1 << 24).bytes())).data());
    assertArrayEquals(floats(-1.5, 0.25, 3e8, -0.0),
        NiftiReader.read(write("f32.nii", new NiftiFileBuilder(LE, 16, 32, 4)
            .float32(-1.5f, 0.25f, 3e8f, -0.0f).bytes())).data());
    assertArrayEquals(floats(-2.5, 1e-3, 12345.5, 7),
        NiftiReader.read(write("f64.nii", new NiftiFileBuilder(LE, 64, 64, 4)
            .float64(-2.5, 1e-3, 12345.5, 7).bytes())).data());
    assertArrayEquals(floats(-128, -1, 0, 127),
        NiftiReader.read(write("i8.nii", new NiftiFileBuilder(LE, 256, 8, 4)
            .uint8(-128, -1, 0, 127).bytes())).data());
    assertArrayEquals(floats(0, 1, 40000, 65535),
        NiftiReader.read(write("u16.nii", new NiftiFileBuilder(LE, 512, 16, 4)
            .int16(0, 1, 40000, 65535).bytes())).data());
  }

  @Test
  void appliesSlopeAndIntercept() throws IOException {
    NiftiVolume v = NiftiReader.read(write("scaled.nii",
        new NiftiFileBuilder(LE, 4, 16, 4).scaling(0.5f, -10f).int16(0, 1, 20, -4).bytes()));
    // raw * 0.5 - 10, by hand.
    assertArrayEquals(floats(-10, -9.5, 0, -12), v.data());
    assertEquals(0.5f, v.sclSlope());
    assertEquals(-10f, v.sclInter());

    NiftiVolume u = NiftiReader.read(write("scaled8.nii",
        new NiftiFileBuilder(LE, 2, 8, 3).scaling(2f, 1f).uint8(0, 3, 255).bytes()));
    assertArrayEquals(floats(1, 7, 511), u.data());
  }

  @Test
  void zeroSlopeMeansNoScalingEvenWithAnIntercept() throws IOException {
    NiftiVolume v = NiftiReader.read(write("noscale.nii",
        new NiftiFileBuilder(LE, 4, 16, 3).scaling(0f, 100f).int16(1, 2, 3).bytes()));
    assertArrayEquals(floats(1, 2, 3), v.data());
  }

  @Test
  void bigEndianFile() throws IOException {
    NiftiVolume v = NiftiReader.read(write("be.nii",
        new NiftiFileBuilder(BE, 4, 16, 2, 2).pixdim(1, 1.25f).pixdim(2, 3f)
            .scaling(1f, 0.5f).int16(-2, 300, 7, 1000).bytes()));
    assertArrayEquals(floats(-1.5, 300.5, 7.5, 1000.5), v.data());
    assertArrayEquals(new double[] {1.25, 3.0}, v.spacing());

    NiftiVolume f = NiftiReader.read(write("bef.nii",
        new NiftiFileBuilder(BE, 16, 32, 3).float32(1.5f, -2f, 1e-3f).bytes()));
    assertArrayEquals(floats(1.5, -2, 1e-3), f.data());
  }

  @Test
  void fourDimensionalFile() throws IOException {
    int n = 2 * 3 * 1 * 2;
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = i * 0.5f;
    }
    NiftiVolume v = NiftiReader.read(write("t.nii",
        new NiftiFileBuilder(LE, 16, 32, 2, 3, 1, 2).pixdim(4, 2.5f).float32(values).bytes()));
    assertArrayEquals(new int[] {2, 3, 1, 2}, v.dims());
    assertArrayEquals(new int[] {2, 1, 3, 2}, v.rowMajorShape());
    assertArrayEquals(new double[] {1, 1, 1, 2.5}, v.spacing());
    assertArrayEquals(values, v.data());
  }

  @Test
  void fiveDimensionalHeaderWithTrailingOnesIsFourDimensional() throws IOException {
    NiftiVolume v = NiftiReader.read(write("d5.nii",
        new NiftiFileBuilder(LE, 2, 8, 1, 2, 1, 1, 1).uint8(4, 5).bytes()));
    assertArrayEquals(new int[] {1, 2, 1, 1}, v.dims());
  }

  @Test
  void gzippedFile() throws IOException {
    byte[] plain = new NiftiFileBuilder(LE, 4, 16, 2, 2, 1).int16(1, -2, 3, -4).bytes();
    NiftiVolume v = NiftiReader.read(write("vol.nii.gz", NiftiFileBuilder.gzip(plain)));
    assertArrayEquals(floats(1, -2, 3, -4), v.data());
    assertArrayEquals(new int[] {2, 2, 1}, v.dims());
  }

  @Test
  void voxOffsetIsRespected() throws IOException {
    // An extension flag of 1 and 44 bytes of extension data: the data starts at 348 + 48 = 396.
    byte[] ext = new byte[48];
    ext[0] = 1;
    Arrays.fill(ext, 4, 48, (byte) 0x7f);
    NiftiVolume v = NiftiReader.read(write("ext.nii", new NiftiFileBuilder(LE, 2, 8, 3)
        .voxOffset(396f).extension(ext).uint8(9, 8, 7).bytes()));
    assertArrayEquals(floats(9, 8, 7), v.data());
  }

  @Test
  void sformAffine() throws IOException {
    NiftiVolume v = NiftiReader.read(write("sform.nii", new NiftiFileBuilder(LE, 2, 8, 1, 1, 1)
        .qform(0f, 0f, 1f, 9f, 9f, 9f) // ignored: the sform wins
        .sform(new float[] {-1.5f, 0.25f, 0f, 10f}, new float[] {0f, 2f, 0.5f, -20f},
            new float[] {0.125f, 0f, 3f, 30.5f})
        .uint8(1).bytes()));
    assertAffine(new double[][] {
        {-1.5, 0.25, 0, 10}, {0, 2, 0.5, -20}, {0.125, 0, 3, 30.5}, {0, 0, 0, 1}}, v);
  }

  @Test
  void qformAffineFromQuaternionAndQfac() throws IOException {
    // 90° about z: a = cos 45°, (b, c, d) = (0, 0, sin 45°); R = [[0,-1,0],[1,0,0],[0,0,1]].
    // pixdim = (2, 3, 4), qfac = pixdim[0] = -1 flips the third column.
    float s = (float) Math.sqrt(0.5);
    NiftiVolume v = NiftiReader.read(write("qform.nii", new NiftiFileBuilder(LE, 2, 8, 1, 1, 1)
        .pixdim(0, -1f).pixdim(1, 2f).pixdim(2, 3f).pixdim(3, 4f)
        .qform(0f, 0f, s, 10f, 20f, 30f).uint8(1).bytes()));
    assertAffine(new double[][] {{0, -3, 0, 10}, {2, 0, 0, 20}, {0, 0, -4, 30}, {0, 0, 0, 1}}, v);
  }

  @Test
  void errorsNameTheFileAndTheProblem() throws IOException {
    Path shortHeader = write("short.nii", Arrays.copyOf(
        new NiftiFileBuilder(LE, 2, 8, 4).uint8(1, 2, 3, 4).bytes(), 100));
    assertMessage(shortHeader, "short.nii", "truncated header", "348", "found 100");

    byte[] full = new NiftiFileBuilder(LE, 4, 16, 4, 4).int16(new int[16]).bytes();
    Path shortData = write("cut.nii", Arrays.copyOf(full, full.length - 5));
    // 352 + 16 voxels × 2 bytes = 384 expected, 379 found.
    assertMessage(shortData, "cut.nii", "truncated data", "expected 384", "found 379");

    NiftiFileBuilder badMagic = new NiftiFileBuilder(LE, 2, 8, 1).uint8(1);
    badMagic.header.put(345, (byte) 'x');
    assertMessage(write("magic.nii", badMagic.bytes()), "magic.nii", "bad magic", "n+1");

    NiftiFileBuilder badSize = new NiftiFileBuilder(LE, 2, 8, 1).uint8(1);
    badSize.header.putInt(0, 123);
    assertMessage(write("size.nii", badSize.bytes()), "size.nii", "sizeof_hdr", "348", "123");

    assertMessage(write("cplx.nii", new NiftiFileBuilder(LE, 32, 64, 1).float64(1).bytes()),
        "cplx.nii", "unsupported datatype 32", "complex64", "uint8(2)", "float64(64)");

    assertMessage(write("d0.nii", new NiftiFileBuilder(LE, 2, 8).uint8(1).bytes()),
        "d0.nii", "dim[0] = 0", "out of range");
    assertMessage(write("d5.nii", new NiftiFileBuilder(LE, 2, 8, 1, 1, 1, 1, 2).uint8(1, 2)
        .bytes()), "d5.nii", "dim[0] = 5", "at most 4");
    assertMessage(write("neg.nii", new NiftiFileBuilder(LE, 2, 8, 2, 0).uint8().bytes()),
        "neg.nii", "dim[2] = 0");

    assertMessage(write("plain.nii.gz", full), "plain.nii.gz", "not gzip");
    byte[] gz = NiftiFileBuilder.gzip(full);
    assertMessage(write("cut.nii.gz", Arrays.copyOf(gz, gz.length / 2)), "cut.nii.gz",
        "corrupt or truncated gzip");
    assertMessage(dir.resolve("missing.nii"), "missing.nii", "not found");
  }

  private static void assertMessage(Path file, String... parts) {
    DataFileException e = assertThrows(DataFileException.class, () -> NiftiReader.read(file));
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "message should contain '" + part + "': "
          + e.getMessage());
    }
    assertEquals(file, e.file());
  }

  static void assertAffine(double[][] expected, NiftiVolume v) {
    for (int r = 0; r < 4; r++) {
      assertArrayEquals(expected[r], v.affine()[r], 1e-6, "affine row " + r + " (tol 1e-6)");
    }
  }
}
