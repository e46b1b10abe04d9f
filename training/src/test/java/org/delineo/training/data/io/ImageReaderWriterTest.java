package org.delineo.training.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images are built in the test as {@link BufferedImage}s of each type, with pixel values set by the
 * test, and written with ImageIO; the reader must return exactly those values (PNG is lossless).
 * JPEG is lossy: sizes and channels are exact, means are checked within ±3 grey levels. Files the
 * writer produces are checked with ImageIO directly.
 */
class ImageReaderWriterTest {
  @TempDir Path dir;

  private Path save(BufferedImage img, String format, String name) throws IOException {
    Path p = dir.resolve(name);
    assertTrue(ImageIO.write(img, format, p.toFile()), "ImageIO has a " + format + " writer");
    return p;
  }

  @Test
  void eightBitGrey() throws IOException {
    BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster r = img.getRaster();
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 4; x++) {
        r.setSample(x, y, 0, 20 * y + x + (y == 2 && x == 3 ? 200 : 0));
      }
    }
    Path p = save(img, "png", "g8.png");
    DecodedImage d = ImageReader.read(p);
    assertArrayEquals(new int[] {3, 4, 1}, d.shape());
    assertArrayEquals(new float[] {0, 1, 2, 3, 20, 21, 22, 23, 40, 41, 42, 243}, d.data());
    LabelMap l = ImageReader.readLabels(p);
    assertArrayEquals(new int[] {0, 1, 2, 3, 20, 21, 22, 23, 40, 41, 42, 243}, l.labels());
    assertArrayEquals(new int[] {3, 4}, l.shape());
  }

  @Test
  void sixteenBitGreyKeepsRawValues() throws IOException {
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_USHORT_GRAY);
    int[] values = {0, 1, 255, 256, 40000, 65535};
    img.getRaster().setSamples(0, 0, 3, 2, 0, values);
    Path p = save(img, "png", "g16.png");
    DecodedImage d = ImageReader.read(p);
    assertEquals(1, d.channels());
    assertArrayEquals(new float[] {0, 1, 255, 256, 40000, 65535}, d.data());
    assertArrayEquals(values, ImageReader.readLabels(p).labels());
  }

  @Test
  void rgbIsHwcInRgbOrder() throws IOException {
    BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_3BYTE_BGR);
    img.setRGB(0, 0, 0x102030);
    img.setRGB(1, 0, 0xff0001);
    img.setRGB(0, 1, 0x00ff00);
    img.setRGB(1, 1, 0x0a0b0c);
    DecodedImage d = ImageReader.read(save(img, "png", "rgb.png"));
    assertArrayEquals(new int[] {2, 2, 3}, d.shape());
    assertArrayEquals(new float[] {
        0x10, 0x20, 0x30, 0xff, 0x00, 0x01,
        0x00, 0xff, 0x00, 0x0a, 0x0b, 0x0c}, d.data());
  }

  @Test
  void alphaIsDropped() throws IOException {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(0, 0, 0xff112233);
    img.setRGB(1, 0, 0xff445566);
    DecodedImage d = ImageReader.read(save(img, "png", "rgba.png"));
    assertEquals(3, d.channels());
    assertArrayEquals(new float[] {0x11, 0x22, 0x33, 0x44, 0x55, 0x66}, d.data());
  }

  @Test
  void paletteGivesColoursOrIndices() throws IOException {
    byte[] r = {0, (byte) 200, 10, (byte) 255};
    byte[] g = {0, 100, (byte) 250, 0};
    byte[] b = {0, 50, 30, (byte) 255};
    IndexColorModel palette = new IndexColorModel(8, 4, r, g, b);
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED, palette);
    int[] indices = {0, 1, 2, 3, 2, 1};
    img.getRaster().setSamples(0, 0, 3, 2, 0, indices);
    Path p = save(img, "png", "pal.png");

    assertArrayEquals(indices, ImageReader.readLabels(p).labels());
    DecodedImage d = ImageReader.read(p);
    assertEquals(3, d.channels());
    float[] expected = new float[18];
    for (int i = 0; i < 6; i++) {
      expected[3 * i] = r[indices[i]] & 0xff;
      expected[3 * i + 1] = g[indices[i]] & 0xff;
      expected[3 * i + 2] = b[indices[i]] & 0xff;
    }
    assertArrayEquals(expected, d.data());
  }

  @Test
  void jpegColourAndGrey() throws IOException {
    BufferedImage rgb = new BufferedImage(16, 8, BufferedImage.TYPE_3BYTE_BGR);
    fill(rgb, (x, y) -> rgb.setRGB(x, y, (100 << 16) | (150 << 8) | 200));
    DecodedImage d = ImageReader.read(save(rgb, "jpg", "c.jpg"));
    assertArrayEquals(new int[] {8, 16, 3}, d.shape());
    double[] expected = {100, 150, 200};
    for (int c = 0; c < 3; c++) {
      assertEquals(expected[c], channelMean(d, c), 3.0, "channel " + c + " mean (tol 3, lossy)");
    }

    BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
    fill(grey, (x, y) -> grey.getRaster().setSample(x, y, 0, 77));
    DecodedImage g = ImageReader.read(save(grey, "jpg", "g.jpg"));
    assertEquals(1, g.channels());
    assertEquals(77.0, channelMean(g, 0), 3.0, "grey mean (tol 3, lossy)");
  }

  @Test
  void readLabelsRejectsRgb() throws IOException {
    BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_3BYTE_BGR);
    Path p = save(img, "png", "colour_labels.png");
    DataFileException e = assertThrows(DataFileException.class, () -> ImageReader.readLabels(p));
    assertTrue(e.getMessage().contains("colour_labels.png") && e.getMessage().contains("RGB"),
        e.getMessage());
  }

  @Test
  void brokenFilesNameTheFile() throws IOException {
    BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
    fill(img, (x, y) -> img.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | (x ^ y)));
    byte[] png = Files.readAllBytes(save(img, "png", "full.png"));
    Path cutPng = dir.resolve("cut.png");
    Files.write(cutPng, Arrays.copyOf(png, png.length / 2));
    assertError(cutPng, "cut.png", "corrupt or truncated PNG");

    byte[] jpg = Files.readAllBytes(save(img, "jpg", "full.jpg"));
    Path cutJpg = dir.resolve("cut.jpg");
    Files.write(cutJpg, Arrays.copyOf(jpg, jpg.length / 2));
    assertError(cutJpg, "cut.jpg", "corrupt or truncated JPEG");

    Path text = dir.resolve("notes.png");
    Files.writeString(text, "this is not an image");
    assertError(text, "notes.png", "not a recognised image format");

    Path empty = dir.resolve("empty.png");
    Files.write(empty, new byte[0]);
    assertError(empty, "empty.png", "empty");

    assertError(dir.resolve("missing.png"), "missing.png", "not found");
  }

  @Test
  void writePngGreyAndRgb() throws IOException {
    Path grey = dir.resolve("out/grey.png");
    ImageWriter.writePng(grey, new DecodedImage(2, 3, 1, new float[] {0, 1, 2, 253, 254, 255}));
    BufferedImage g = ImageIO.read(grey.toFile());
    assertEquals(BufferedImage.TYPE_BYTE_GRAY, g.getType());
    assertArrayEquals(new int[] {0, 1, 2, 253, 254, 255},
        g.getRaster().getSamples(0, 0, 3, 2, 0, (int[]) null));

    Path rgb = dir.resolve("rgb.png");
    ImageWriter.writePng(rgb, new DecodedImage(1, 2, 3, new float[] {1, 2, 3, 250, 128, 0}));
    BufferedImage c = ImageIO.read(rgb.toFile());
    assertEquals(0x010203, c.getRGB(0, 0) & 0xffffff);
    assertEquals(0xfa8000, c.getRGB(1, 0) & 0xffffff);
    assertArrayEquals(new float[] {1, 2, 3, 250, 128, 0}, ImageReader.read(rgb).data());
  }

  @Test
  void writeLabelsPngAsGrey() throws IOException {
    Path p = dir.resolve("labels.png");
    int[] ids = {0, 1, 2, 255, 7, 19};
    ImageWriter.writeLabelsPng(p, new LabelMap(2, 3, ids));
    BufferedImage img = ImageIO.read(p.toFile());
    assertEquals(BufferedImage.TYPE_BYTE_GRAY, img.getType());
    assertArrayEquals(ids, img.getRaster().getSamples(0, 0, 3, 2, 0, (int[]) null));
    assertArrayEquals(ids, ImageReader.readLabels(p).labels());
  }

  @Test
  void writePalettePng() throws IOException {
    Path p = dir.resolve("pal_out.png");
    int[] colours = {0x000000, 0x80ff00, 0x0000ff};
    int[] ids = {2, 0, 1, 1};
    ImageWriter.writePalettePng(p, new LabelMap(2, 2, ids), colours);
    BufferedImage img = ImageIO.read(p.toFile());
    IndexColorModel cm = assertInstanceOf(IndexColorModel.class, img.getColorModel());
    assertArrayEquals(ids, img.getRaster().getSamples(0, 0, 2, 2, 0, (int[]) null));
    for (int i = 0; i < colours.length; i++) {
      assertEquals(colours[i], cm.getRGB(i) & 0xffffff, "palette entry " + i);
    }
    assertArrayEquals(ids, ImageReader.readLabels(p).labels());
    assertArrayEquals(new float[] {0, 0, 255, 0, 0, 0, 128, 255, 0, 128, 255, 0},
        ImageReader.read(p).data());
  }

  @Test
  void writerRejectsOutOfRangeValuesAndLeavesNoFile() throws IOException {
    Path labels = dir.resolve("bad_labels.png");
    DataFileException e = assertThrows(DataFileException.class,
        () -> ImageWriter.writeLabelsPng(labels, new LabelMap(1, 2, new int[] {3, 256})));
    assertTrue(e.getMessage().contains("bad_labels.png") && e.getMessage().contains("256"),
        e.getMessage());
    Path img = dir.resolve("bad.png");
    DataFileException v = assertThrows(DataFileException.class,
        () -> ImageWriter.writePng(img, new DecodedImage(1, 1, 1, new float[] {300})));
    assertTrue(v.getMessage().contains("bad.png") && v.getMessage().contains("300"),
        v.getMessage());
    DataFileException p = assertThrows(DataFileException.class, () -> ImageWriter
        .writePalettePng(dir.resolve("pal.png"), new LabelMap(1, 1, new int[] {2}),
            new int[] {0, 0xffffff}));
    assertTrue(p.getMessage().contains("0..1"), p.getMessage());
    DataFileException ch = assertThrows(DataFileException.class,
        () -> ImageWriter.writePng(img, new DecodedImage(1, 1, 2, new float[] {1, 2})));
    assertTrue(ch.getMessage().contains("found 2"), ch.getMessage());
    try (var list = Files.list(dir)) {
      assertEquals(0, list.count(), "nothing may be left behind");
    }
    assertFalse(Files.exists(labels));
  }

  private static void assertError(Path file, String name, String problem) {
    DataFileException e = assertThrows(DataFileException.class, () -> ImageReader.read(file));
    assertTrue(e.getMessage().contains(name) && e.getMessage().contains(problem),
        "expected '" + name + "' and '" + problem + "' in: " + e.getMessage());
  }

  private static double channelMean(DecodedImage d, int c) {
    double sum = 0;
    for (int y = 0; y < d.height(); y++) {
      for (int x = 0; x < d.width(); x++) {
        sum += d.get(y, x, c);
      }
    }
    return sum / (d.height() * d.width());
  }

  private interface PixelSetter {
    void set(int x, int y);
  }

  private static void fill(BufferedImage img, PixelSetter setter) {
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        setter.set(x, y);
      }
    }
  }
}
