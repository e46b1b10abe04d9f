package org.delineo.training.metrics;

import java.util.Arrays;
import org.delineo.graph.DelineoException;

/**
 * Percentiles with numpy's default ("linear") interpolation, the one medpy's {@code hd95} and
 * MONAI's percentile Hausdorff distance use: for n sorted values and percentile q, the rank
 * h = (n − 1)·q/100 and the result is {@code a[⌊h⌋] + (h − ⌊h⌋)·(a[⌊h⌋+1] − a[⌊h⌋])}.
 */
public final class Percentile {
  private Percentile() {}

  /**
   * The q-th percentile of {@code values} (not modified).
   *
   * @throws DelineoException when values is empty or q is outside [0, 100]
   */
  public static double linear(double[] values, double q) {
    if (values.length == 0) {
      throw new DelineoException("percentile of an empty set of values is undefined");
    }
    if (!(q >= 0 && q <= 100)) {
      throw new DelineoException("percentile must lie in [0, 100], found " + q);
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double h = (sorted.length - 1) * (q / 100.0);
    int lo = (int) Math.floor(h);
    if (lo >= sorted.length - 1) {
      return sorted[sorted.length - 1];
    }
    double frac = h - lo;
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
  }
}
