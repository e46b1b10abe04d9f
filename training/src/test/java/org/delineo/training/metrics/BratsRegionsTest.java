package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.training.metrics.BratsRegions.Region;
import org.junit.jupiter.api.Test;

class BratsRegionsTest {
  /** Hand-computed values; 1e-9 absolute (PASSION's smoothing term 1e-8 checked exactly). */
  private static final double TOL = 1e-9;

  // A 1x1x8 volume (every voxel of a one-voxel-thick line is surface).
  private static final int[] SHAPE = {1, 1, 8};
  private static final int[] REF = {0, 1, 2, 3, 3, 0, 0, 0};
  private static final int[] PRED = {0, 1, 2, 2, 3, 0, 0, 0};

  @Test
  void regionsCollectTheirLabels() {
    int[] labels = {0, 1, 2, 3};
    assertArrayEquals(new boolean[] {false, true, true, true}, Region.WT.mask(labels));
    assertArrayEquals(new boolean[] {false, true, false, true}, Region.TC.mask(labels));
    assertArrayEquals(new boolean[] {false, false, false, true}, Region.ET.mask(labels));
  }

  @Test
  void etProEmptiesSmallEnhancingPredictionsOnly() {
    boolean[] et = {true, true, false, true};
    assertArrayEquals(new boolean[4], BratsRegions.etPro(et, 4), "3 voxels < 4: emptied");
    assertArrayEquals(et, BratsRegions.etPro(et, 3), "3 voxels = threshold: kept");
    assertTrue(BratsRegions.etPro(et, 3) != et, "a copy");
  }

  @Test
  void perCaseDiceAndHd95ByHandUnderTheBratsRule() {
    BratsCaseScores s = BratsRegions.evaluate(PRED, REF, SHAPE, EmptyMaskRule.BRATS);
    // WT: voxels 1..4 in both → Dice 1, HD95 0.
    assertEquals(1.0, s.diceWt(), TOL);
    assertEquals(0.0, s.hd95Wt(), TOL);
    // TC: ref {1,3,4}, pred {1,4}: Dice 4/5. Distances pred→ref {0,0}, ref→pred {0,1,0};
    // pooled sorted {0,0,0,0,1}, rank 4·0.95 = 3.8 → 0.8.
    assertEquals(0.8, s.diceTc(), TOL);
    assertEquals(0.8, s.hd95Tc(), TOL);
    // ET: ref {3,4}, pred {4}: Dice 2/3; pooled {0, 1, 0} → rank 1.9 → 0.9.
    assertEquals(2.0 / 3, s.diceEt(), TOL);
    assertEquals(0.9, s.hd95Et(), TOL);
    // ETPro: 1 predicted ET voxel < 500 → empty prediction against a non-empty reference.
    assertEquals(0.0, s.diceEtPro(), TOL);
    assertEquals(EmptyMaskRule.BRATS_MAX_DISTANCE, s.hd95EtPro(), TOL);
  }

  @Test
  void thresholdIsConfigurableAndPassionRuleChangesOnlyEmptyCases() {
    VoxelGrid grid = VoxelGrid.isotropic(SHAPE);
    BratsCaseScores kept = BratsRegions.evaluate(PRED, REF, grid, EmptyMaskRule.BRATS, 1);
    assertEquals(kept.diceEt(), kept.diceEtPro(), TOL);
    assertEquals(kept.hd95Et(), kept.hd95EtPro(), TOL);
    BratsCaseScores p = BratsRegions.evaluate(PRED, REF, SHAPE, EmptyMaskRule.PASSION);
    assertEquals((4 + 1e-8) / (5 + 1e-8), p.diceTc(), 1e-15);
    assertEquals(1e-8 / (2 + 1e-8), p.diceEtPro(), 1e-15);
    assertEquals(1.0, p.hd95EtPro(), TOL);
    // No tumour at all in either: BraTS gives Dice 1 and HD95 0 everywhere.
    int[] none = new int[8];
    BratsCaseScores empty = BratsRegions.evaluate(none, none, SHAPE, EmptyMaskRule.BRATS);
    for (int c = 0; c < 8; c++) {
      assertEquals(c < 4 ? 1.0 : 0.0, empty.values()[c], TOL, BratsCaseScores.COLUMNS.get(c));
    }
    assertFalse(Region.TC.contains(2));
  }
}
