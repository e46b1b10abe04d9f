package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EmptyMaskRuleTest {
  /** Hand-computed values; 1e-9 absolute. */
  private static final double TOL = 1e-9;

  private static final VoxelGrid GRID = VoxelGrid.isotropic(1, 6);
  private static final boolean[] EMPTY = new boolean[6];
  private static final boolean[] SOME = {false, true, true, false, false, false};
  /**
   * {@link #SOME} shifted right by 2: directed distances {2, 1} each way, pooled {1, 1, 2, 2},
   * P95 rank 2.85 → 2; ASD = ASSD = 1.5.
   */
  private static final boolean[] SHIFTED = {false, false, false, true, true, false};

  @Test
  void bratsRule() {
    MaskScores both = EmptyMaskRule.BRATS.score(EMPTY, EMPTY, GRID);
    assertEquals(1.0, both.dice(), TOL);
    assertEquals(0.0, both.hd95(), TOL);
    assertTrue(Double.isNaN(both.assd()), "BraTS defines no ASSD");
    MaskScores one = EmptyMaskRule.BRATS.score(SOME, EMPTY, GRID);
    assertEquals(0.0, one.dice(), TOL);
    assertEquals(373.13, one.hd95(), 0.005, "the BraTS diagonal, printed as 373.13");
    assertEquals(Math.sqrt(240 * 240 + 240 * 240 + 155 * 155), EmptyMaskRule.BRATS_MAX_DISTANCE,
        1e-5);
    assertEquals(373.12866, EmptyMaskRule.BRATS.hd95(EMPTY, SOME, GRID), TOL);
  }

  @Test
  void passionRule() {
    MaskScores both = EmptyMaskRule.PASSION.score(EMPTY, EMPTY, GRID);
    assertEquals(1.0, both.dice(), TOL);
    assertEquals(0.0, both.hd95(), TOL);
    MaskScores one = EmptyMaskRule.PASSION.score(EMPTY, SOME, GRID);
    assertEquals(1e-8 / (2 + 1e-8), one.dice(), 1e-15);
    assertEquals(1.0, one.hd95(), TOL);
  }

  @Test
  void ssl4misRule() {
    for (boolean[][] pair : new boolean[][][] {{EMPTY, EMPTY}, {EMPTY, SOME}, {SOME, EMPTY}}) {
      MaskScores s = EmptyMaskRule.SSL4MIS.score(pair[0], pair[1], GRID);
      assertEquals(new MaskScores(0, 50, 10, 10), s);
    }
  }

  @Test
  void nonEmptyMasksGetMedpyDistancesUnderEveryRule() {
    for (EmptyMaskRule rule : new EmptyMaskRule[] {EmptyMaskRule.BRATS, EmptyMaskRule.PASSION,
        EmptyMaskRule.SSL4MIS}) {
      MaskScores s = rule.score(SOME, SHIFTED, GRID);
      assertEquals(2.0, s.hd95(), TOL, rule.name());
      assertEquals(1.5, s.asd(), TOL, rule.name());
      assertEquals(1.5, s.assd(), TOL, rule.name());
      assertEquals(0.0, s.dice(), 1e-8, rule.name());
    }
  }
}
