package org.delineo.training.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaImageReaderTest {
  @TempDir Path dir;

  /** Values of a 3x2x2 (x, y, z) volume, x fastest, with negative and large shorts. */
  private static final short[] SHORTS = {0, 1, -2, 300, -32768, 32767, 7, 8, 9, 10, 11, -12};

  private static String header(String type, boolean msb, String dataFile, String extra) {
    return "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = "
        + (msb ? "True" : "False") + "\n" + extra
        + "Offset = -10.5 2 3\nTransformMatrix = 1 0 0 0 1 0 0 0 1\n"
        + "ElementSpacing = 0.625 0.625 3.6\nDimSize = 3 2 2\nElementType = " + type
        + "\nElementDataFile = " + dataFile + "\n";
  }

  private static byte[] shorts(short[] v, ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(order);
    for (short s : v) {
      b.putShort(s);
    }
    return b.array();
  }

  private void write(String name, String text) throws IOException {
    Files.writeString(dir.resolve(name), text, StandardCharsets.ISO_8859_1);
  }

  @Test
  void readsShortsInBothByteOrdersWithSpacingAndGeometry() throws IOException {
    for (boolean msb : new boolean[] {false, true}) {
      String stem = msb ? "big" : "little";
      write(stem + ".mhd", header("MET_SHORT", msb, stem + ".raw", ""));
      Files.write(dir.resolve(stem + ".raw"),
          shorts(SHORTS, msb ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN));
      MetaImage image = MetaImageReader.read(dir.resolve(stem + ".mhd"));
      assertArrayEquals(new int[] {3, 2, 2}, image.dimSize(), stem);
      float[] expected = new float[SHORTS.length];
      for (int i = 0; i < SHORTS.length; i++) {
        expected[i] = SHORTS[i];
      }
      assertArrayEquals(expected, image.data(), 0f, stem + ": exact integer values");
      assertArrayEquals(new double[] {0.625, 0.625, 3.6}, image.spacing(), 0, stem);
      assertArrayEquals(new double[] {-10.5, 2, 3}, image.offset(), 0, stem);
      assertArrayEquals(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, image.transformMatrix(), 0);
      assertEquals("MET_SHORT", image.elementType());
    }
  }

  @Test
  void readsUnsignedFloatAndDoubleTypes() throws IOException {
    // MET_USHORT 65535 must not wrap to -1; MET_UCHAR 255 must not become -1.
    write("u.mhd", header("MET_USHORT", false, "u.raw", ""));
    Files.write(dir.resolve("u.raw"),
        shorts(new short[] {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ByteOrder.LITTLE_ENDIAN));
    assertEquals(65535f, MetaImageReader.read(dir.resolve("u.mhd")).data()[0], 0f);

    write("c.mhd", header("MET_UCHAR", false, "c.raw", ""));
    byte[] bytes = new byte[12];
    bytes[0] = (byte) 255;
    bytes[11] = 1;
    Files.write(dir.resolve("c.raw"), bytes);
    float[] c = MetaImageReader.read(dir.resolve("c.mhd")).data();
    assertEquals(255f, c[0], 0f);
    assertEquals(1f, c[11], 0f);

    write("f.mhd", header("MET_FLOAT", true, "f.raw", ""));
    ByteBuffer f = ByteBuffer.allocate(48).order(ByteOrder.BIG_ENDIAN);
    for (int i = 0; i < 12; i++) {
      f.putFloat(i * 0.5f - 1f);
    }
    Files.write(dir.resolve("f.raw"), f.array());
    assertEquals(4.5f, MetaImageReader.read(dir.resolve("f.mhd")).data()[11], 0f);

    write("d.mhd", header("MET_DOUBLE", false, "d.raw", ""));
    ByteBuffer d = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 12; i++) {
      d.putDouble(-i * 0.25);
    }
    Files.write(dir.resolve("d.raw"), d.array());
    assertEquals(-2.75f, MetaImageReader.read(dir.resolve("d.mhd")).data()[11], 0f);
  }

  @Test
  void inflatesZlibCompressedData() throws IOException {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (DeflaterOutputStream out = new DeflaterOutputStream(zipped)) {
      out.write(shorts(SHORTS, ByteOrder.LITTLE_ENDIAN));
    }
    write("z.mhd", header("MET_SHORT", false, "z.zraw",
        "CompressedData = True\nCompressedDataSize = " + zipped.size() + "\n"));
    Files.write(dir.resolve("z.zraw"), zipped.toByteArray());
    float[] data = MetaImageReader.read(dir.resolve("z.mhd")).data();
    assertEquals(-32768f, data[4], 0f);
    assertEquals(-12f, data[11], 0f);
  }

  @Test
  void readsLocalDataAfterTheHeader() throws IOException {
    byte[] head = header("MET_SHORT", true, "LOCAL", "").getBytes(StandardCharsets.ISO_8859_1);
    byte[] body = shorts(SHORTS, ByteOrder.BIG_ENDIAN);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    Files.write(dir.resolve("l.mha"), all);
    assertEquals(300f, MetaImageReader.read(dir.resolve("l.mha")).data()[3], 0f);
  }

  @Test
  void truncatedRawNamesTheFileAndByteCounts() throws IOException {
    write("t.mhd", header("MET_SHORT", false, "t.raw", ""));
    Files.write(dir.resolve("t.raw"), new byte[23]);
    DataFileException e =
        assertThrows(DataFileException.class, () -> MetaImageReader.read(dir.resolve("t.mhd")));
    assertTrue(e.getMessage().contains(dir.resolve("t.raw").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("found 23 bytes, expected 24"), e.getMessage());
  }

  @Test
  void missingDataFileAndUnsupportedTypeAreNamed() throws IOException {
    write("m.mhd", header("MET_SHORT", false, "absent.raw", ""));
    DataFileException missing =
        assertThrows(DataFileException.class, () -> MetaImageReader.read(dir.resolve("m.mhd")));
    assertTrue(missing.getMessage().contains("absent.raw"), missing.getMessage());

    write("x.mhd", header("MET_LONG", false, "x.raw", ""));
    DataFileException type =
        assertThrows(DataFileException.class, () -> MetaImageReader.read(dir.resolve("x.mhd")));
    assertTrue(type.getMessage().contains("x.mhd") && type.getMessage().contains("MET_LONG"),
        type.getMessage());
  }
}
