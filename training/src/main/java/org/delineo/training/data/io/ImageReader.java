package org.delineo.training.data.io;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads 2-D images (PNG and JPEG; any other format javax.imageio decodes also works) as pixel
 * values or as label maps.
 *
 * <p>{@link #read} gives raw values: grey (8- or 16-bit) → 1 channel, RGB → 3 channels, alpha
 * dropped (RGBA → 3, grey+alpha → 1), palette images → the palette's RGB colours (3 channels).
 * Note that ImageIO decodes 1-, 2- and 4-bit grey PNGs through a palette, so they read as 3
 * channels.
 *
 * <p>{@link #readLabels} gives one class id per pixel: the palette INDEX for palette images, the
 * grey value for grey images; colour images are rejected (colours must be mapped to ids first).
 *
 * <p>Decoder warnings (e.g. a JPEG that ends early, which ImageIO would otherwise fill with grey)
 * count as errors. Every problem is a {@link DataFileException} naming the file. Thread-safe: each
 * call uses its own decoder.
 */
public final class ImageReader {

  private ImageReader() {}

  /**
   * Decodes an image into raw values, HWC.
   *
   * @throws DataFileException naming the file when it is missing, not an image, corrupt,
   *     truncated, or has a colour model other than grey, RGB or palette
   */
  public static DecodedImage read(Path file) {
    BufferedImage img = decode(file);
    int h = img.getHeight();
    int w = img.getWidth();
    Raster raster = img.getRaster();
    ColorModel cm = img.getColorModel();
    if (cm instanceof IndexColorModel palette) {
      int[] index = raster.getSamples(0, 0, w, h, 0, (int[]) null);
      float[] out = new float[h * w * 3];
      for (int i = 0; i < index.length; i++) {
        out[3 * i] = palette.getRed(index[i]);
        out[3 * i + 1] = palette.getGreen(index[i]);
        out[3 * i + 2] = palette.getBlue(index[i]);
      }
      return new DecodedImage(h, w, 3, out);
    }
    int channels = colourChannels(file, cm);
    float[] out = new float[h * w * channels];
    // Raster bands follow the colour model: colour components first (R, G, B or grey), alpha last.
    for (int c = 0; c < channels; c++) {
      int[] band = raster.getSamples(0, 0, w, h, c, (int[]) null);
      for (int i = 0; i < band.length; i++) {
        out[i * channels + c] = band[i];
      }
    }
    return new DecodedImage(h, w, channels, out);
  }

  /**
   * Decodes a label image: palette index (palette PNG) or grey value (8/16-bit grey) per pixel.
   *
   * @throws DataFileException naming the file when it is a colour (RGB) image, or unreadable as in
   *     {@link #read}
   */
  public static LabelMap readLabels(Path file) {
    BufferedImage img = decode(file);
    int h = img.getHeight();
    int w = img.getWidth();
    ColorModel cm = img.getColorModel();
    if (!(cm instanceof IndexColorModel) && colourChannels(file, cm) != 1) {
      throw new DataFileException(
          file, "is an RGB colour image; a label map must be a grey or palette image with one"
              + " class id per pixel (map colours to ids first)");
    }
    return new LabelMap(h, w, img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null));
  }

  private static int colourChannels(Path file, ColorModel cm) {
    int components = cm.getNumColorComponents();
    int space = cm.getColorSpace().getType();
    if (components == 1 && space == ColorSpace.TYPE_GRAY) {
      return 1;
    }
    if (components == 3 && space == ColorSpace.TYPE_RGB) {
      return 3;
    }
    throw new DataFileException(
        file, "unsupported colour model: " + components + " colour components in colour space"
            + " type " + space + " (expected grey, RGB or palette)");
  }

  /** Decodes the first image of the file, turning every decoder complaint into an error. */
  private static BufferedImage decode(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DataFileException(file, "file not found", e);
    } catch (IOException e) {
      throw new DataFileException(file, "cannot read file: " + e, e);
    }
    if (bytes.length == 0) {
      throw new DataFileException(file, "file is empty, expected an image");
    }
    // An in-memory stream: ImageIO's default file cache would write temporary files.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new DataFileException(
            file, "not a recognised image format (expected PNG or JPEG; first bytes "
                + hex(bytes, 8) + ")");
      }
      javax.imageio.ImageReader reader = readers.next();
      String format = reader.getFormatName().toUpperCase(java.util.Locale.ROOT);
      List<String> warnings = new ArrayList<>();
      reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
      try {
        reader.setInput(in, true, true);
        BufferedImage img = reader.read(0);
        if (!warnings.isEmpty()) {
          throw new DataFileException(
              file, "corrupt or truncated " + format + " image: " + String.join("; ", warnings));
        }
        return img;
      } catch (IOException | RuntimeException e) {
        if (e instanceof DataFileException d) {
          throw d;
        }
        throw new DataFileException(
            file, "corrupt or truncated " + format + " image: " + describe(e), e);
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new DataFileException(file, "cannot read image: " + e, e);
    }
  }

  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      sb.append(" (").append(c.getClass().getSimpleName());
      if (c.getMessage() != null) {
        sb.append(": ").append(c.getMessage());
      }
      sb.append(')');
    }
    return sb.toString();
  }

  private static String hex(byte[] bytes, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(n, bytes.length); i++) {
      sb.append(i == 0 ? "" : " ").append(String.format("%02x", bytes[i] & 0xFF));
    }
    return sb.toString();
  }
}
