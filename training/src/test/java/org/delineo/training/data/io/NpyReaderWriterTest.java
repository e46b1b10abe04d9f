package org.delineo.training.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads .npy files assembled byte by byte in the test following the NumPy format description
 * (magic, version, little-endian header length, dict text padded to 64 bytes ending in '\n'), and
 * round-trips the writer. All values are exactly representable, so comparisons are exact.
 */
class NpyReaderWriterTest {
  @TempDir Path dir;

  /** A .npy file: preamble for {@code major}.0, then {@code dict} padded, then {@code data}. */
  private static byte[] npy(int major, String dict, byte[] data) {
    int preamble = major == 1 ? 10 : 12;
    int unpadded = preamble + dict.length() + 1;
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer b = ByteBuffer.allocate(preamble + h.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) h.length);
    } else {
      b.putInt(h.length);
    }
    b.put(h).put(data);
    return b.array();
  }

  private static String dict(String descr, String shape) {
    return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  }

  private static ByteBuffer data(int bytes, ByteOrder order) {
    return ByteBuffer.allocate(bytes).order(order);
  }

  private NpyArray read(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return NpyReader.read(p);
  }

  @Test
  void float32TwoByThree() throws IOException {
    ByteBuffer d = data(24, ByteOrder.LITTLE_ENDIAN);
    float[] values = {0f, 1.5f, -2f, 3.25f, 1e-3f, -7f};
    for (float v : values) {
      d.putFloat(v);
    }
    NpyArray a = read("f4.npy", npy(1, dict("<f4", "(2, 3)"), d.array()));
    assertEquals("<f4", a.dtype());
    assertArrayEquals(new int[] {2, 3}, a.shape());
    assertArrayEquals(values, a.floatData());
    assertNull(a.intData());
  }

  @Test
  void eachDtype() throws IOException {
    ByteBuffer f8 = data(16, ByteOrder.LITTLE_ENDIAN).putDouble(-0.5).putDouble(1e6);
    assertArrayEquals(new float[] {-0.5f, 1e6f},
        read("f8.npy", npy(1, dict("<f8", "(2,)"), f8.array())).floatData());

    ByteBuffer i4 = data(12, ByteOrder.LITTLE_ENDIAN).putInt(-7).putInt(0).putInt(1 << 30);
    assertArrayEquals(new int[] {-7, 0, 1 << 30},
        read("i4.npy", npy(1, dict("<i4", "(3,)"), i4.array())).intData());

    ByteBuffer i8 = data(16, ByteOrder.LITTLE_ENDIAN).putLong(-3).putLong(Integer.MAX_VALUE);
    assertArrayEquals(new int[] {-3, Integer.MAX_VALUE},
        read("i8.npy", npy(1, dict("<i8", "(2,)"), i8.array())).intData());

    assertArrayEquals(new int[] {0, 1, 128, 255}, read("u1.npy",
        npy(1, dict("|u1", "(2, 2)"), new byte[] {0, 1, (byte) 128, (byte) 255})).intData());

    ByteBuffer i2 = data(6, ByteOrder.LITTLE_ENDIAN).putShort((short) -32768)
        .putShort((short) 5).putShort((short) 32767);
    assertArrayEquals(new int[] {-32768, 5, 32767},
        read("i2.npy", npy(1, dict("<i2", "(3,)"), i2.array())).intData());

    assertArrayEquals(new int[] {1, 0, 1}, read("b1.npy",
        npy(1, dict("|b1", "(3,)"), new byte[] {1, 0, 1})).intData());

    ByteBuffer be = data(8, ByteOrder.BIG_ENDIAN).putFloat(2.5f).putFloat(-1f);
    assertArrayEquals(new float[] {2.5f, -1f},
        read("bef4.npy", npy(1, dict(">f4", "(2,)"), be.array())).floatData());
  }

  @Test
  void version2HeaderScalarAndEmptyArrays() throws IOException {
    ByteBuffer d = data(8, ByteOrder.LITTLE_ENDIAN).putInt(4).putInt(5);
    NpyArray v2 = read("v2.npy", npy(2, dict("<i4", "(1, 2)"), d.array()));
    assertArrayEquals(new int[] {1, 2}, v2.shape());
    assertArrayEquals(new int[] {4, 5}, v2.intData());

    NpyArray scalar = read("s.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, "
        + "'shape': (), }", data(4, ByteOrder.LITTLE_ENDIAN).putFloat(9f).array()));
    assertArrayEquals(new int[0], scalar.shape());
    assertArrayEquals(new float[] {9f}, scalar.floatData());

    NpyArray empty = read("e.npy", npy(1, dict("<f4", "(0, 3)"), new byte[0]));
    assertArrayEquals(new int[] {0, 3}, empty.shape());
    assertEquals(0, empty.size());
  }

  @Test
  void keysInAnyOrder() throws IOException {
    String dict = "{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}";
    ByteBuffer d = data(8, ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(2);
    assertArrayEquals(new int[] {1, 2}, read("o.npy", npy(1, dict, d.array())).intData());
  }

  @Test
  void floatsAndIntsConvert() {
    NpyArray ints = NpyArray.ofInts(new int[] {1, -2, 3}, 3);
    assertArrayEquals(new float[] {1f, -2f, 3f}, ints.floats());
    NpyArray floats = NpyArray.ofFloats(new float[] {4f, -5f}, 2);
    assertArrayEquals(new int[] {4, -5}, floats.ints());
    DelineoException e = assertThrows(DelineoException.class,
        () -> NpyArray.ofFloats(new float[] {1f, 1.5f}, 2).ints());
    assertTrue(e.getMessage().contains("1.5") && e.getMessage().contains("index 1"),
        e.getMessage());
  }

  @Test
  void writerProducesTheNumpyLayout() throws IOException {
    Path file = dir.resolve("w.npy");
    float[] values = {1f, 2f, 3f, 4f, 5f, 6.5f};
    NpyWriter.write(file, NpyArray.ofFloats(values, 2, 3));
    byte[] bytes = Files.readAllBytes(file);
    assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0},
        Arrays.copyOf(bytes, 8));
    int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
    assertEquals(0, (10 + headerLength) % 64, "data must start on a 64-byte boundary");
    String header = new String(bytes, 10, headerLength, StandardCharsets.ISO_8859_1);
    assertTrue(header.endsWith("\n"));
    assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        header.trim());
    ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLength, 24).slice()
        .order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      assertEquals(v, data.getFloat());
    }
    assertArrayEquals(values, NpyReader.read(file).floatData());
  }

  @Test
  void roundTripInts1dAndScalar() throws IOException {
    Path one = dir.resolve("one.npy");
    NpyWriter.write(one, NpyArray.ofInts(new int[] {7, -8, 255}, 3));
    byte[] bytes = Files.readAllBytes(one);
    int length = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
    String header = new String(bytes, 10, length, StandardCharsets.ISO_8859_1);
    assertTrue(header.contains("'shape': (3,)"), header);
    NpyArray back = NpyReader.read(one);
    assertEquals("<i4", back.dtype());
    assertArrayEquals(new int[] {3}, back.shape());
    assertArrayEquals(new int[] {7, -8, 255}, back.intData());

    Path scalar = dir.resolve("scalar.npy");
    NpyWriter.write(scalar, NpyArray.ofFloats(new float[] {2.5f}));
    NpyArray s = NpyReader.read(scalar);
    assertArrayEquals(new int[0], s.shape());
    assertArrayEquals(new float[] {2.5f}, s.floatData());
  }

  @Test
  void errorsNameTheFileAndTheProblem() throws IOException {
    byte[] good = npy(1, dict("<f4", "(2, 3)"), new byte[24]);
    assertMessage("cut.npy", Arrays.copyOf(good, good.length - 4), "truncated data",
        "expected 24", "found 20");
    // The 60-character dict plus '\n' after the 10-byte preamble pads to 128 bytes.
    assertMessage("hdr.npy", Arrays.copyOf(good, 30), "truncated header", "expected 128",
        "found 30");
    assertMessage("tiny.npy", Arrays.copyOf(good, 8), "truncated header");
    byte[] bad = good.clone();
    bad[1] = 'X';
    assertMessage("magic.npy", bad, "bad magic");
    assertMessage("fortran.npy", npy(1, "{'descr': '<f4', 'fortran_order': True, "
        + "'shape': (2, 3), }", new byte[24]), "fortran_order is True");
    assertMessage("c8.npy", npy(1, dict("<c8", "(3,)"), new byte[24]), "unsupported dtype '<c8'",
        "<f4");
    assertMessage("rec.npy", npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, "
        + "'shape': (1,), }", new byte[4]), "structured");
    assertMessage("big.npy", npy(1, dict("<i8", "(1,)"),
        data(8, ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array()), "does not fit int32");
    byte[] v9 = good.clone();
    v9[6] = 9;
    assertMessage("v9.npy", v9, "version 9.0");
    assertMessage("extra.npy", npy(1, dict("<f4", "(2,)"), new byte[12]), "expected 8",
        "found 12");
    assertMessage("noshape.npy", npy(1, "{'descr': '<f4', 'fortran_order': False}",
        new byte[4]), "no 'shape'");

    Path missing = dir.resolve("missing.npy");
    DataFileException e = assertThrows(DataFileException.class, () -> NpyReader.read(missing));
    assertTrue(e.getMessage().contains("missing.npy") && e.getMessage().contains("not found"));
  }

  @Test
  void writeIsAtomicAndOverwrites() throws IOException {
    Path file = dir.resolve("sub/a.npy");
    NpyWriter.write(file, NpyArray.ofInts(new int[] {1}, 1));
    NpyWriter.write(file, NpyArray.ofInts(new int[] {2, 3}, 2));
    assertArrayEquals(new int[] {2, 3}, NpyReader.read(file).intData());
    try (var list = Files.list(file.getParent())) {
      assertEquals(1, list.count(), "no temporary file may remain");
    }
    assertFalse(Files.exists(dir.resolve("a.npy")));
  }

  private void assertMessage(String name, byte[] bytes, String... parts) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    DataFileException e = assertThrows(DataFileException.class, () -> NpyReader.read(p));
    assertTrue(e.getMessage().contains(name), e.getMessage());
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }
  }
}
