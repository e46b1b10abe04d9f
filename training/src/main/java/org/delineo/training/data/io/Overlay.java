package org.delineo.training.data.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A label map drawn over the image it was predicted from, for a look by eye ({@code delineo
 * predict} writes one per input): each non-background class blended at 50 % in its palette
 * colour, class 0 left as the image, written as an RGB PNG. Volumes show their middle slice.
 */
public final class Overlay {
  /** Distinct overlay colours per class (0xRRGGBB), reused modulo their count; class 0 is left uncoloured. */
  private static final int[] PALETTE = {0x000000, 0xE6194B, 0x3CB44B, 0x4363D8, 0xFFE119, 0xF58231,
      0x911EB4, 0x46F0F0, 0xF032E6, 0xBCF60C, 0xFABEBE, 0x008080, 0xE6BEFF, 0x9A6324, 0xFFFAC8,
      0x800000, 0xAAFFC3, 0x808000, 0xFFD8B1, 0x000075};

  private Overlay() {}

  /**
   * The overlay of an image: a 3-channel image as RGB values 0..255, any other its intensities
   * rescaled to grey 0..255.
   *
   * @param labels {@code [H, W]} row-major class ids
   */
  public static void write(Path file, DecodedImage image, int[] labels) {
    float[] rgb = image.channels() == 3 ? image.data() : greyToRgb(image.data());
    write(file, rgb, image.height(), image.width(), labels);
  }

  /**
   * The overlay of a volume's middle slice along its slowest axis (a 2-D volume: the whole of it),
   * its intensities rescaled to grey 0..255.
   *
   * @param labels class ids in the volume's row-major layout ({@link NiftiVolume#rowMajorShape()})
   */
  public static void writeMiddleSlice(Path file, NiftiVolume volume, int[] labels) {
    int[] s = volume.rowMajorShape();
    int h = s[s.length - 2];
    int w = s[s.length - 1];
    int plane = h * w;
    int mid = s.length == 3 ? s[0] / 2 : 0;
    float[] slice = Arrays.copyOfRange(volume.data(), mid * plane, (mid + 1) * plane);
    write(file, greyToRgb(slice), h, w, Arrays.copyOfRange(labels, mid * plane, (mid + 1) * plane));
  }

  /** Grey intensities rescaled to 0..255 and repeated over three channels. */
  private static float[] greyToRgb(float[] grey) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float g : grey) {
      min = Math.min(min, g);
      max = Math.max(max, g);
    }
    float scale = max > min ? 255f / (max - min) : 0f;
    float[] rgb = new float[grey.length * 3];
    for (int i = 0; i < grey.length; i++) {
      float v = (grey[i] - min) * scale;
      rgb[3 * i] = v;
      rgb[3 * i + 1] = v;
      rgb[3 * i + 2] = v;
    }
    return rgb;
  }

  /** The RGB image with each non-background class blended at 50 % in its palette colour. */
  private static void write(Path file, float[] rgb, int h, int w, int[] labels) {
    float[] blended = new float[h * w * 3];
    for (int i = 0; i < h * w; i++) {
      int colour = labels[i] == 0 ? -1 : PALETTE[labels[i] % PALETTE.length];
      for (int c = 0; c < 3; c++) {
        float base = Math.max(0f, Math.min(255f, rgb[3 * i + c]));
        blended[3 * i + c] = colour < 0 ? base : Math.round(0.5f * base + 0.5f * ((colour >> (16 - 8 * c)) & 0xFF));
      }
    }
    ImageWriter.writePng(file, new DecodedImage(h, w, 3, blended));
  }
}
