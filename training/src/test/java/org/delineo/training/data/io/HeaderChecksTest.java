package org.delineo.training.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The header-only entry points ({@link ImageHeader#read}, {@link NiftiReader#readHeader}, {@link
 * NpyReader#readShape}, {@link MetaImageReader#readDimSize}) on tiny files written by the project's
 * writers: a good file gives the size it was written with, a damaged one fails naming the file and
 * the damage.
 */
class HeaderChecksTest {
  @TempDir
  Path dir;

  @Test
  void pngHeaderAndEnding() throws IOException {
    Path png = dir.resolve("a.png");
    ImageWriter.writePng(png, new DecodedImage(5, 7, 3, new float[5 * 7 * 3]));
    assertEquals(new ImageHeader("PNG", 5, 7), ImageHeader.read(png));

    byte[] bytes = Files.readAllBytes(png);
    Path truncated = write("truncated.png", Arrays.copyOf(bytes, bytes.length - 5));
    assertEquals(truncated + ": truncated PNG (no IEND chunk at the end)", message(() -> ImageHeader.read(truncated)));

    byte[] badMagic = bytes.clone();
    badMagic[1] = 'X';
    Path bad = write("bad.png", badMagic);
    assertEquals(bad + ": not a PNG (bad signature: first bytes 89 58 4e 47 0d 0a 1a 0a)",
        message(() -> ImageHeader.read(bad)));

    Path empty = write("empty.png", new byte[0]);
    assertEquals(empty + ": file is empty, expected an image", message(() -> ImageHeader.read(empty)));
    Path missing = dir.resolve("missing.png");
    assertEquals(missing + ": file not found", message(() -> ImageHeader.read(missing)));
  }

  @Test
  void jpegHeaderAndEnding() throws IOException {
    Path jpg = dir.resolve("a.jpg");
    assertTrue(ImageIO.write(new BufferedImage(9, 6, BufferedImage.TYPE_INT_RGB), "jpeg", jpg.toFile()));
    assertEquals(new ImageHeader("JPEG", 6, 9), ImageHeader.read(jpg));

    byte[] bytes = Files.readAllBytes(jpg);
    Path truncated = write("truncated.jpg", Arrays.copyOf(bytes, bytes.length - 3));
    assertEquals(truncated + ": truncated JPEG (no end-of-image marker FF D9 at the end)",
        message(() -> ImageHeader.read(truncated)));
    // A PNG named .jpg is still read by its content.
    Path png = dir.resolve("png.jpg");
    ImageWriter.writePng(png, new DecodedImage(2, 3, 1, new float[6]));
    assertEquals(new ImageHeader("PNG", 2, 3), ImageHeader.read(png));
    Path text = write("text.jpg", "hello".getBytes());
    assertTrue(message(() -> ImageHeader.read(text)).startsWith(text + ": not a JPEG (bad signature"));
  }

  @Test
  void niftiHeaderAndSize() throws IOException {
    // Row-major [D, H, W] = [2, 3, 4]: x-first dims [4, 3, 2]; float32 data 24 x 4 bytes after 352.
    NiftiVolume volume = NiftiVolume.ofRowMajor(new float[24], new int[] {2, 3, 4}, new double[] {1, 1, 1});
    Path nii = dir.resolve("a.nii");
    NiftiWriter.write(nii, volume, NiftiDatatype.FLOAT32.code());
    assertArrayEquals(new int[] {4, 3, 2}, NiftiReader.readHeader(nii).dims());
    assertEquals(352 + 96, Files.size(nii));

    byte[] bytes = Files.readAllBytes(nii);
    Path truncated = write("truncated.nii", Arrays.copyOf(bytes, bytes.length - 1));
    assertEquals(truncated + ": truncated data: expected 448 bytes (vox_offset 352 + 24 voxels × 4 bytes),"
        + " found 447", message(() -> NiftiReader.readHeader(truncated)));

    byte[] badMagic = bytes.clone();
    badMagic[345] = 'X';
    Path bad = write("bad.nii", badMagic);
    assertTrue(message(() -> NiftiReader.readHeader(bad)).startsWith(bad + ": bad magic"));
    // The full reader agrees with the header check on the same damage.
    assertEquals(message(() -> NiftiReader.read(truncated)), message(() -> NiftiReader.readHeader(truncated)));
  }

  @Test
  void gzippedNiftiHeaderAndTrailer() throws IOException {
    NiftiVolume volume = NiftiVolume.ofRowMajor(new float[24], new int[] {2, 3, 4}, new double[] {1, 1, 1});
    Path gz = dir.resolve("a.nii.gz");
    NiftiWriter.write(gz, volume, NiftiDatatype.FLOAT32.code());
    assertArrayEquals(new int[] {4, 3, 2}, NiftiReader.readHeader(gz).dims());

    byte[] bytes = Files.readAllBytes(gz);
    Path truncated = write("truncated.nii.gz", Arrays.copyOf(bytes, bytes.length - 6));
    String m = message(() -> NiftiReader.readHeader(truncated));
    assertTrue(m.startsWith(truncated + ": truncated or corrupt gzip data: the trailer gives "), m);
    assertTrue(m.endsWith(" uncompressed bytes, the header needs 448 (vox_offset 352 + 24 voxels × 4 bytes)"), m);

    // Two gzip members: the trailer counts only the second, the whole file still holds 448 bytes.
    byte[] plain = Files.readAllBytes(writeNii());
    java.io.ByteArrayOutputStream members = new java.io.ByteArrayOutputStream();
    members.write(gzip(Arrays.copyOfRange(plain, 0, 400)));
    members.write(gzip(Arrays.copyOfRange(plain, 400, plain.length)));
    Path concatenated = write("members.nii.gz", members.toByteArray());
    assertArrayEquals(new int[] {4, 3, 2}, NiftiReader.readHeader(concatenated).dims());

    Path notGzip = write("plain.nii.gz", Files.readAllBytes(writeNii()));
    assertTrue(message(() -> NiftiReader.readHeader(notGzip))
        .startsWith(notGzip + ": name ends in .gz but the content is not gzip"));
  }

  @Test
  void npyHeaderAndSize() throws IOException {
    Path npy = dir.resolve("a.npy");
    NpyWriter.write(npy, NpyArray.ofFloats(new float[24], 2, 3, 4));
    assertArrayEquals(new int[] {2, 3, 4}, NpyReader.readShape(npy));

    byte[] bytes = Files.readAllBytes(npy);
    Path truncated = write("truncated.npy", Arrays.copyOf(bytes, bytes.length - 1));
    assertEquals(truncated + ": truncated data: expected 96 bytes (24 elements × 4 bytes), found 95",
        message(() -> NpyReader.readShape(truncated)));
    byte[] badMagic = bytes.clone();
    badMagic[1] = 'X';
    Path bad = write("bad.npy", badMagic);
    assertTrue(message(() -> NpyReader.readShape(bad)).startsWith(bad + ": bad magic"));
  }

  @Test
  void metaImageHeaderAndDataSize() throws IOException {
    Path mhd = dir.resolve("a.mhd");
    Files.writeString(mhd, "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\n"
        + "ElementDataFile = a.raw\n");
    Path raw = write("a.raw", new byte[4 * 3 * 2 * 2]);
    assertArrayEquals(new int[] {4, 3, 2}, MetaImageReader.readDimSize(mhd));
    write("a.raw", new byte[47]);
    assertTrue(message(() -> MetaImageReader.readDimSize(mhd))
        .startsWith(raw.toAbsolutePath() + ": truncated data: found 47 bytes, expected 48"));
    Files.delete(raw);
    assertTrue(message(() -> MetaImageReader.readDimSize(mhd))
        .startsWith(raw.toAbsolutePath() + ": file not found"));
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private Path writeNii() {
    Path nii = dir.resolve("source.nii");
    NiftiWriter.write(nii, NiftiVolume.ofRowMajor(new float[24], new int[] {2, 3, 4}, new double[] {1, 1, 1}),
        NiftiDatatype.FLOAT32.code());
    return nii;
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private static String message(org.junit.jupiter.api.function.Executable call) {
    return assertThrows(DataFileException.class, call).getMessage();
  }
}
