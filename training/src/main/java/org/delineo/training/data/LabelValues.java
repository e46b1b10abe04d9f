package org.delineo.training.data;

import java.nio.file.Path;
import org.delineo.graph.DelineoException;

/** Turns decoded label files into class ids and checks them against what a layout allows. */
final class LabelValues {
  /** Tolerance for treating a stored (possibly scaled float) label value as an integer. */
  private static final double INTEGRAL_TOLERANCE = 1e-3;

  private LabelValues() {}

  /**
   * Rounds stored label values to integers and maps them through {@code labelMap} (index = stored
   * value, entry = class id, negative = not allowed).
   *
   * @throws DelineoException naming the file when a value is not an integer or not allowed
   */
  static int[] mapVolume(float[] stored, Path file, int[] labelMap) {
    int[] labels = new int[stored.length];
    for (int i = 0; i < stored.length; i++) {
      float v = stored[i];
      long rounded = Math.round((double) v);
      if (!(Math.abs(v - rounded) <= INTEGRAL_TOLERANCE)) {
        throw new DelineoException(file + ": label volume must hold integer class ids, found "
            + v + " at voxel " + i);
      }
      if (rounded < 0 || rounded >= labelMap.length || labelMap[(int) rounded] < 0) {
        throw new DelineoException(file + ": label value " + rounded + " at voxel " + i
            + " is not one of the allowed values " + allowed(labelMap));
      }
      labels[i] = labelMap[(int) rounded];
    }
    return labels;
  }

  /**
   * Checks 2D label ids: each in {@code [0, numClasses)} or equal to {@code ignoreLabel}.
   *
   * @throws DelineoException naming the file and the first offending value
   */
  static void checkClassIds(int[] labels, Path file, int numClasses, int ignoreLabel) {
    for (int i = 0; i < labels.length; i++) {
      int v = labels[i];
      if ((v < 0 || v >= numClasses) && v != ignoreLabel) {
        throw new DelineoException(file + ": label " + v + " at pixel " + i + " is outside the "
            + numClasses + " classes 0.." + (numClasses - 1) + " and is not the ignore label "
            + ignoreLabel);
      }
    }
  }

  /** A map that keeps the stored values {@code 0..maxValue} as they are. */
  static int[] identity(int maxValue) {
    int[] map = new int[maxValue + 1];
    for (int i = 0; i <= maxValue; i++) {
      map[i] = i;
    }
    return map;
  }

  private static String allowed(int[] labelMap) {
    StringBuilder s = new StringBuilder("{");
    for (int i = 0; i < labelMap.length; i++) {
      if (labelMap[i] >= 0) {
        s.append(s.length() > 1 ? ", " : "").append(i);
      }
    }
    return s.append('}').toString();
  }
}
