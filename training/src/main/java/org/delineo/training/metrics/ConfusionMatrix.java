package org.delineo.training.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;

/**
 * Pixel (or voxel) counts of ground-truth class against predicted class, accumulated over an
 * evaluation, and the segmentation metrics derived from them: per-class IoU and Dice, their means,
 * pixel accuracy, per-class accuracy and frequency-weighted IoU.
 *
 * <p>Rows are ground truth, columns prediction. Pixels whose label is the ignore index are skipped
 * (as mmseg's {@code intersect_and_union} does). Means follow mmseg: a class whose union of ground
 * truth and prediction is empty has an undefined (NaN) IoU and Dice and is left out of the mean
 * ({@code np.nanmean}), so classes absent from both the labels and the predictions of the whole
 * evaluation do not count. Every value returned here is a fraction in [0, 1];
 * {@link #summary(String)} gives mmseg's percent scale.
 *
 * <p>Not thread safe: give each thread its own matrix and {@link #merge} them.
 */
public final class ConfusionMatrix {
  private final int numClasses;
  private final int ignoreIndex;
  private final long[] counts;

  /**
   * @param numClasses number of classes K; labels and predictions must lie in [0, K)
   * @param ignoreIndex label value skipped when counting (255 for scene data); may lie outside [0, K)
   */
  public ConfusionMatrix(int numClasses, int ignoreIndex) {
    if (numClasses < 1) {
      throw new DelineoException("confusion matrix needs at least 1 class, found " + numClasses);
    }
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.counts = new long[numClasses * numClasses];
  }

  public int numClasses() {
    return numClasses;
  }

  public int ignoreIndex() {
    return ignoreIndex;
  }

  /**
   * Counts one prediction/label pair of equal length (e.g. a flattened image).
   *
   * @throws ShapeMismatchException when the lengths differ
   * @throws DelineoException when a label is outside [0, K) and not the ignore index, or a
   *     prediction is outside [0, K); the message gives the value and its position. Nothing is
   *     counted from a rejected pair.
   */
  public void add(int[] predictions, int[] labels) {
    if (predictions.length != labels.length) {
      throw new ShapeMismatchException("confusion matrix input: " + labels.length
          + " labels need as many predictions, found " + predictions.length);
    }
    // Validate first so a bad pair leaves the matrix untouched.
    for (int i = 0; i < labels.length; i++) {
      int label = labels[i];
      if (label == ignoreIndex) {
        continue;
      }
      if (label < 0 || label >= numClasses) {
        throw new DelineoException("label " + label + " at position " + i
            + " is outside the classes [0, " + numClasses + ") and is not the ignore index "
            + ignoreIndex);
      }
      int prediction = predictions[i];
      if (prediction < 0 || prediction >= numClasses) {
        throw new DelineoException("prediction " + prediction + " at position " + i
            + " is outside the classes [0, " + numClasses + ")");
      }
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] != ignoreIndex) {
        counts[labels[i] * numClasses + predictions[i]]++;
      }
    }
  }

  /**
   * Adds the counts of {@code other} (e.g. another thread's or another case's matrix) to this one.
   *
   * @return this matrix
   * @throws DelineoException when the class count or ignore index differ
   */
  public ConfusionMatrix merge(ConfusionMatrix other) {
    if (other.numClasses != numClasses || other.ignoreIndex != ignoreIndex) {
      throw new DelineoException("cannot merge a confusion matrix of " + other.numClasses
          + " classes (ignore " + other.ignoreIndex + ") into one of " + numClasses
          + " classes (ignore " + ignoreIndex + ")");
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    return this;
  }

  /**
   * A matrix holding {@code counts[label][prediction]}, e.g. one written to a file by an earlier
   * process, so that every metric derived from it equals the original's.
   *
   * @param counts K rows of K non-negative pixel counts (rows ground truth, columns prediction)
   * @param ignoreIndex the ignore index the counts were taken with
   * @throws DelineoException when {@code counts} is not K x K with K >= 1 or holds a negative count
   */
  public static ConfusionMatrix ofCounts(long[][] counts, int ignoreIndex) {
    ConfusionMatrix m = new ConfusionMatrix(counts.length, ignoreIndex);
    for (int t = 0; t < counts.length; t++) {
      if (counts[t].length != counts.length) {
        throw new DelineoException("confusion matrix counts: expected " + counts.length + " x " + counts.length
            + ", found " + counts[t].length + " counts in row " + t);
      }
      for (int p = 0; p < counts.length; p++) {
        if (counts[t][p] < 0) {
          throw new DelineoException("confusion matrix counts: expected non-negative counts, found "
              + counts[t][p] + " at row " + t + ", column " + p);
        }
        m.counts[t * counts.length + p] = counts[t][p];
      }
    }
    return m;
  }

  /** A new matrix with the same counts. */
  public ConfusionMatrix copy() {
    return new ConfusionMatrix(numClasses, ignoreIndex).merge(this);
  }

  /** Pixels labelled {@code label} and predicted as {@code prediction}. */
  public long count(int label, int prediction) {
    return counts[label * numClasses + prediction];
  }

  /** All counted (non-ignored) pixels. */
  public long total() {
    long sum = 0;
    for (long c : counts) {
      sum += c;
    }
    return sum;
  }

  /** Ground-truth pixels per class (row sums; mmseg's {@code area_label}). */
  public long[] labelPixels() {
    long[] out = new long[numClasses];
    for (int t = 0; t < numClasses; t++) {
      for (int p = 0; p < numClasses; p++) {
        out[t] += count(t, p);
      }
    }
    return out;
  }

  /** Predicted pixels per class among the counted ones (column sums; {@code area_pred_label}). */
  public long[] predictedPixels() {
    long[] out = new long[numClasses];
    for (int t = 0; t < numClasses; t++) {
      for (int p = 0; p < numClasses; p++) {
        out[p] += count(t, p);
      }
    }
    return out;
  }

  /** Per class TP / (TP + FP + FN); NaN where ground truth and prediction are both empty. */
  public double[] iou() {
    long[] label = labelPixels();
    long[] predicted = predictedPixels();
    double[] out = new double[numClasses];
    for (int c = 0; c < numClasses; c++) {
      long intersection = count(c, c);
      out[c] = ratio(intersection, label[c] + predicted[c] - intersection);
    }
    return out;
  }

  /** Mean IoU over the classes whose IoU is defined (mmseg's nanmean); NaN if there is none. */
  public double meanIoU() {
    return nanMean(iou());
  }

  /** Per class 2·TP / (2·TP + FP + FN); NaN where ground truth and prediction are both empty. */
  public double[] dice() {
    long[] label = labelPixels();
    long[] predicted = predictedPixels();
    double[] out = new double[numClasses];
    for (int c = 0; c < numClasses; c++) {
      out[c] = ratio(2 * count(c, c), label[c] + predicted[c]);
    }
    return out;
  }

  /** Mean Dice over the classes whose Dice is defined (nanmean, as mmseg's mDice). */
  public double meanDice() {
    return nanMean(dice());
  }

  /** Correct pixels / counted pixels (mmseg's aAcc); NaN when nothing was counted. */
  public double pixelAccuracy() {
    long correct = 0;
    for (int c = 0; c < numClasses; c++) {
      correct += count(c, c);
    }
    return ratio(correct, total());
  }

  /** Per class TP / ground-truth pixels (recall; mmseg's per-class Acc); NaN for absent classes. */
  public double[] classAccuracy() {
    long[] label = labelPixels();
    double[] out = new double[numClasses];
    for (int c = 0; c < numClasses; c++) {
      out[c] = ratio(count(c, c), label[c]);
    }
    return out;
  }

  /** Mean per-class accuracy over classes present in the ground truth (mmseg's mAcc). */
  public double meanClassAccuracy() {
    return nanMean(classAccuracy());
  }

  /**
   * Σ_c (ground-truth pixels of c / counted pixels) · IoU_c. Classes absent from the ground truth
   * have weight 0 and contribute nothing; NaN when nothing was counted.
   */
  public double frequencyWeightedIoU() {
    long total = total();
    if (total == 0) {
      return Double.NaN;
    }
    long[] label = labelPixels();
    double[] iou = iou();
    double sum = 0;
    for (int c = 0; c < numClasses; c++) {
      if (label[c] > 0) {
        sum += (double) label[c] / total * iou[c];
      }
    }
    return sum;
  }

  /**
   * The summary metrics in percent, as mmseg reports them (and as PROVE's early stopping monitors
   * them, e.g. {@code val/mIoU} with min_delta 0.1 percentage points): keys {@code prefix/mIoU},
   * {@code prefix/mDice}, {@code prefix/mAcc}, {@code prefix/aAcc}, {@code prefix/fwIoU}. Unlike
   * mmseg the values are not rounded to two decimals. An empty prefix gives bare names.
   */
  public Map<String, Double> summary(String prefix) {
    String p = prefix.isEmpty() ? "" : prefix + "/";
    Map<String, Double> out = new LinkedHashMap<>();
    out.put(p + "mIoU", 100 * meanIoU());
    out.put(p + "mDice", 100 * meanDice());
    out.put(p + "mAcc", 100 * meanClassAccuracy());
    out.put(p + "aAcc", 100 * pixelAccuracy());
    out.put(p + "fwIoU", 100 * frequencyWeightedIoU());
    return out;
  }

  private static double ratio(long numerator, long denominator) {
    return denominator == 0 ? Double.NaN : (double) numerator / denominator;
  }

  private static double nanMean(double[] values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
