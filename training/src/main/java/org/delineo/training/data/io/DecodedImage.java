package org.delineo.training.data.io;

import org.delineo.graph.ShapeMismatchException;

/**
 * A decoded 2-D image, channels last: {@code data} is row-major {@code [height, width, channels]}
 * with RAW sample values (0..255 for 8-bit images, 0..65535 for 16-bit), not normalised. Grey
 * images have 1 channel, colour images 3 (R, G, B); alpha is never included.
 *
 * @param height rows
 * @param width columns
 * @param channels 1 (grey) or 3 (RGB)
 * @param data {@code height * width * channels} values, HWC row-major; not copied
 */
public record DecodedImage(int height, int width, int channels, float[] data) {

  public DecodedImage {
    if (height <= 0 || width <= 0 || channels <= 0) {
      throw new ShapeMismatchException(
          "image: height, width and channels must be positive, found " + height + "x" + width
              + "x" + channels);
    }
    if ((long) height * width * channels != data.length) {
      throw new ShapeMismatchException(
          "image: " + height + "x" + width + "x" + channels + " needs "
              + (long) height * width * channels + " values, found " + data.length);
    }
  }

  /** The value of channel {@code c} at row {@code y}, column {@code x}. */
  public float get(int y, int x, int c) {
    return data[(y * width + x) * channels + c];
  }

  /** The shape {@code [height, width, channels]}, as {@code Sample.imageShape} expects. */
  public int[] shape() {
    return new int[] {height, width, channels};
  }
}
