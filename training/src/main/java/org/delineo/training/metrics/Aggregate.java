package org.delineo.training.metrics;

/**
 * Mean and population standard deviation (numpy's default, ddof = 0) of a metric over cases. NaN
 * values (scores an {@link EmptyMaskRule} leaves undefined) are left out, as nnU-Net excludes
 * them; {@code count} says how many values were used, and mean and std are NaN when none was.
 */
public record Aggregate(double mean, double std, int count) {

  /** The aggregate of {@code values}, skipping NaN. */
  public static Aggregate of(double[] values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    if (n == 0) {
      return new Aggregate(Double.NaN, Double.NaN, 0);
    }
    double mean = sum / n;
    double squares = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        squares += (v - mean) * (v - mean);
      }
    }
    return new Aggregate(mean, Math.sqrt(squares / n), n);
  }
}
