package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.training.metrics.MaskScores.Metric;
import org.junit.jupiter.api.Test;

class PerClassVolumeMetricsTest {
  /** Hand-computed means and population stds; 1e-9 absolute. */
  private static final double TOL = 1e-9;

  /** One row of 6 voxels, column spacing 2 mm. */
  private static final VoxelGrid GRID = new VoxelGrid(new int[] {1, 6}, new double[] {1, 2});

  private static PerClassVolumeMetrics twoCases() {
    PerClassVolumeMetrics m = new PerClassVolumeMetrics(List.of(1, 2), EmptyMaskRule.SSL4MIS);
    // Case a: class 1 identical; class 2 ref {3,4}, pred {4,5}: Dice 2/4, directed distances
    // pred→ref {0, 2 mm}, ref→pred {2 mm, 0}; pooled {0,0,2,2} → P95 rank 2.85 → 2; ASD 1.
    m.add("a", new int[] {1, 1, 0, 0, 2, 2}, new int[] {1, 1, 0, 2, 2, 0}, GRID);
    // Case b: class 1 missing from the prediction → SSL4MIS (0, 50, 10, 10); class 2 identical.
    m.add("b", new int[] {0, 0, 0, 2, 0, 0}, new int[] {1, 0, 0, 2, 0, 0}, GRID);
    return m;
  }

  @Test
  void perCaseScoresByHand() {
    List<CaseMetrics> cases = twoCases().cases();
    assertEquals(new MaskScores(1, 0, 0, 0), cases.get(0).forClass(1));
    MaskScores a2 = cases.get(0).forClass(2);
    assertEquals(0.5, a2.dice(), TOL);
    assertEquals(2.0, a2.hd95(), TOL);
    assertEquals(1.0, a2.asd(), TOL);
    assertEquals(1.0, a2.assd(), TOL);
    assertEquals(new MaskScores(0, 50, 10, 10), cases.get(1).forClass(1));
    assertThrows(DelineoException.class, () -> cases.get(0).forClass(3));
  }

  @Test
  void aggregatesAreMeanAndPopulationStdOverCases() {
    PerClassVolumeMetrics m = twoCases();
    assertAggregate(0.5, 0.5, m.aggregate(1, Metric.DICE));
    assertAggregate(25, 25, m.aggregate(1, Metric.HD95));
    assertAggregate(0.75, 0.25, m.aggregate(2, Metric.DICE));
    assertAggregate(1, 1, m.aggregate(2, Metric.HD95));
    // Per-case class means: Dice a (1 + 0.5)/2, b (0 + 1)/2; ASSD a 0.5, b 5.
    assertAggregate(0.625, 0.125, m.overall(Metric.DICE));
    assertAggregate(2.75, 2.25, m.overall(Metric.ASSD));
    String table = m.format();
    assertTrue(table.contains("2 cases, empty-mask rule ssl4mis"), table);
    assertTrue(table.contains("0.6250 ± 0.1250"), table);
  }

  @Test
  void aggregateSkipsNanAndRejectsForeignCases() {
    Aggregate a = Aggregate.of(new double[] {1, Double.NaN, 3});
    assertAggregate(2, 1, a);
    assertEquals(2, a.count());
    assertEquals(0, Aggregate.of(new double[] {Double.NaN}).count());
    PerClassVolumeMetrics m = twoCases();
    CaseMetrics other = CaseMetrics.of("c", new int[6], new int[6], GRID, List.of(1),
        EmptyMaskRule.SSL4MIS);
    assertThrows(DelineoException.class, () -> m.add(other));
  }

  private static void assertAggregate(double mean, double std, Aggregate a) {
    assertEquals(mean, a.mean(), TOL, "mean of " + a);
    assertEquals(std, a.std(), TOL, "std of " + a);
  }
}
