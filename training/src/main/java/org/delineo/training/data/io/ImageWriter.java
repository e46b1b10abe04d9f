package org.delineo.training.data.io;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.delineo.graph.io.SafeFiles;

/**
 * Writes 8-bit PNG files: images (grey or RGB), label maps as grey values, and label maps as
 * palette PNGs with a colour table. Writes are atomic (temporary file, then rename), and missing
 * parent directories are created.
 */
public final class ImageWriter {

  private ImageWriter() {}

  /**
   * Writes an image with 1 (grey) or 3 (RGB) channels as an 8-bit PNG. Values are rounded to the
   * nearest integer and must lie in 0..255.
   *
   * @throws DataFileException naming the file for another channel count, a value out of range, or
   *     an I/O failure
   */
  public static void writePng(Path file, DecodedImage image) {
    int channels = image.channels();
    if (channels != 1 && channels != 3) {
      throw new DataFileException(
          file, "writePng needs 1 (grey) or 3 (RGB) channels, found " + channels);
    }
    int h = image.height();
    int w = image.width();
    BufferedImage img = new BufferedImage(
        w, h, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    WritableRaster raster = img.getRaster();
    float[] data = image.data();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < channels; c++) {
          int i = (y * w + x) * channels + c;
          // Raster band c is R, G, B (in that order) whatever the byte layout of the image type.
          raster.setSample(x, y, c, byteValue(file, data[i], i));
        }
      }
    }
    writeImage(file, img);
  }

  /**
   * Writes a label map as an 8-bit grey PNG whose grey value is the class id.
   *
   * @throws DataFileException naming the file when an id is outside 0..255
   */
  public static void writeLabelsPng(Path file, LabelMap labels) {
    BufferedImage img =
        new BufferedImage(labels.width(), labels.height(), BufferedImage.TYPE_BYTE_GRAY);
    fillLabels(file, img.getRaster(), labels, 256);
    writeImage(file, img);
  }

  /**
   * Writes a label map as an 8-bit palette PNG: pixel = class id = palette index; the palette
   * gives each id a display colour. ImageIO may store a palette that is an exact grey ramp as a
   * grey PNG instead; {@link ImageReader#readLabels} returns the same ids either way.
   *
   * @param colours one {@code 0xRRGGBB} colour per class id, 1 to 256 entries
   * @throws DataFileException naming the file when an id has no colour or the table is too large
   */
  public static void writePalettePng(Path file, LabelMap labels, int[] colours) {
    if (colours.length < 1 || colours.length > 256) {
      throw new DataFileException(
          file, "palette needs 1 to 256 colours, found " + colours.length);
    }
    byte[] r = new byte[colours.length];
    byte[] g = new byte[colours.length];
    byte[] b = new byte[colours.length];
    for (int i = 0; i < colours.length; i++) {
      r[i] = (byte) (colours[i] >> 16);
      g[i] = (byte) (colours[i] >> 8);
      b[i] = (byte) colours[i];
    }
    IndexColorModel palette = new IndexColorModel(8, colours.length, r, g, b);
    BufferedImage img = new BufferedImage(
        labels.width(), labels.height(), BufferedImage.TYPE_BYTE_INDEXED, palette);
    fillLabels(file, img.getRaster(), labels, colours.length);
    writeImage(file, img);
  }

  private static void fillLabels(Path file, WritableRaster raster, LabelMap labels, int limit) {
    int w = labels.width();
    int[] ids = labels.labels();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= limit) {
        throw new DataFileException(
            file, "label " + ids[i] + " at pixel (row " + i / w + ", column " + i % w
                + ") is outside 0.." + (limit - 1));
      }
    }
    raster.setSamples(0, 0, w, labels.height(), 0, ids);
  }

  private static int byteValue(Path file, float v, int index) {
    long r = Math.round((double) v);
    if (Float.isNaN(v) || r < 0 || r > 255) {
      throw new DataFileException(
          file, "value " + v + " at index " + index + " is outside the 8-bit range 0..255");
    }
    return (int) r;
  }

  private static void writeImage(Path file, BufferedImage img) {
    Iterator<javax.imageio.ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
    if (!writers.hasNext()) {
      throw new DataFileException(file, "no PNG encoder available in this Java runtime");
    }
    javax.imageio.ImageWriter writer = writers.next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // An in-memory stream: ImageIO's default file cache would write temporary files.
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(img);
    } catch (IOException e) {
      throw new DataFileException(file, "cannot encode PNG: " + e, e);
    } finally {
      writer.dispose();
    }
    try {
      SafeFiles.durable().write(file, bytes.toByteArray());
    } catch (IOException e) {
      throw new DataFileException(file, "cannot write file: " + e, e);
    }
  }
}
