package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;

class PercentileTest {
  private static final double TOL = 1e-12;

  @Test
  void linearInterpolationAsNumpy() {
    // numpy.percentile([4, 1, 3, 2], 95): rank 3·0.95 = 2.85 between 3 and 4 → 3.85.
    assertEquals(3.85, Percentile.linear(new double[] {4, 1, 3, 2}, 95), TOL);
    // 50th of 4 values: rank 1.5 → (2 + 3) / 2.
    assertEquals(2.5, Percentile.linear(new double[] {4, 1, 3, 2}, 50), TOL);
    // 0..19: rank 19·0.95 = 18.05 → 18.05.
    double[] v = new double[20];
    for (int i = 0; i < 20; i++) {
      v[i] = 19 - i;
    }
    assertEquals(18.05, Percentile.linear(v, 95), 1e-9);
    assertEquals(0.0, Percentile.linear(v, 0), TOL);
    assertEquals(19.0, Percentile.linear(v, 100), TOL);
    assertEquals(7.0, Percentile.linear(new double[] {7}, 95), TOL);
    assertEquals(19.0, v[0], "input not modified");
  }

  @Test
  void rejectsEmptyValuesAndOutOfRangePercentiles() {
    assertThrows(DelineoException.class, () -> Percentile.linear(new double[0], 95));
    assertThrows(DelineoException.class, () -> Percentile.linear(new double[] {1}, 101));
    assertThrows(DelineoException.class, () -> Percentile.linear(new double[] {1}, Double.NaN));
  }
}
