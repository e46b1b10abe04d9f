package org.delineo.training.data.io;

import org.delineo.graph.ShapeMismatchException;

/**
 * A 2-D map of integer class ids (e.g. 255 = ignore for scene data), row-major {@code [height,
 * width]}.
 *
 * @param height rows
 * @param width columns
 * @param labels {@code height * width} class ids, row-major; not copied
 */
public record LabelMap(int height, int width, int[] labels) {

  public LabelMap {
    if (height <= 0 || width <= 0) {
      throw new ShapeMismatchException(
          "label map: height and width must be positive, found " + height + "x" + width);
    }
    if ((long) height * width != labels.length) {
      throw new ShapeMismatchException(
          "label map: " + height + "x" + width + " needs " + (long) height * width
              + " values, found " + labels.length);
    }
  }

  /** The class id at row {@code y}, column {@code x}. */
  public int get(int y, int x) {
    return labels[y * width + x];
  }

  /** The shape {@code [height, width]}, as {@code Sample.labelShape} expects. */
  public int[] shape() {
    return new int[] {height, width};
  }
}
