package org.delineo.training.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.delineo.graph.DelineoException;

/**
 * Prints a confusion matrix's per-class results as a text table: class name, IoU and Dice in
 * percent (two decimals, "nan" for classes absent from both labels and predictions) and the
 * class's ground-truth pixel count, followed by the means and the overall accuracies.
 */
public final class MetricsTable {
  private MetricsTable() {}

  /** The table with classes named by their index. */
  public static String format(ConfusionMatrix matrix) {
    List<String> names = new ArrayList<>();
    for (int c = 0; c < matrix.numClasses(); c++) {
      names.add(Integer.toString(c));
    }
    return format(matrix, names);
  }

  /**
   * The table with one name per class.
   *
   * @throws DelineoException when the number of names differs from the number of classes
   */
  public static String format(ConfusionMatrix matrix, List<String> classNames) {
    int k = matrix.numClasses();
    if (classNames.size() != k) {
      throw new DelineoException("metrics table: " + k + " classes need " + k
          + " class names, found " + classNames.size() + " " + classNames);
    }
    int nameWidth = "class".length();
    for (String name : classNames) {
      nameWidth = Math.max(nameWidth, name.length());
    }
    nameWidth = Math.max(nameWidth, "mean".length());
    double[] iou = matrix.iou();
    double[] dice = matrix.dice();
    long[] pixels = matrix.labelPixels();
    String row = "%-" + nameWidth + "s  %7s  %7s  %12s%n";
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, row, "class", "IoU", "Dice", "pixels"));
    for (int c = 0; c < k; c++) {
      out.append(String.format(Locale.ROOT, row, classNames.get(c), percent(iou[c]),
          percent(dice[c]), pixels[c]));
    }
    out.append(String.format(Locale.ROOT, row, "mean", percent(matrix.meanIoU()),
        percent(matrix.meanDice()), matrix.total()));
    out.append(String.format(Locale.ROOT, "mIoU %s  mDice %s  mAcc %s  aAcc %s  fwIoU %s%n",
        percent(matrix.meanIoU()), percent(matrix.meanDice()),
        percent(matrix.meanClassAccuracy()), percent(matrix.pixelAccuracy()),
        percent(matrix.frequencyWeightedIoU())));
    return out.toString();
  }

  private static String percent(double fraction) {
    return Double.isNaN(fraction) ? "nan" : String.format(Locale.ROOT, "%.2f", 100 * fraction);
  }
}
