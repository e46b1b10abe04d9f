package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.ShapeMismatchException;
import org.junit.jupiter.api.Test;

class DiceScoreTest {
  /** Dice values are ratios of small integers; 1e-12 absolute. */
  private static final double TOL = 1e-12;

  private static final boolean[] PRED = {true, true, true, false, false};
  private static final boolean[] REF = {false, true, true, true, true};
  private static final boolean[] EMPTY = new boolean[5];

  @Test
  void overlappingMasksAgreeUnderAllConventions() {
    // |O ∩ T| = 2, |O| = 3, |T| = 4: 4 / 7.
    assertEquals(4.0 / 7, DiceScore.brats(PRED, REF), TOL);
    assertEquals(4.0 / 7, DiceScore.ssl4mis(PRED, REF), TOL);
    assertEquals((4 + 1e-8) / (7 + 1e-8), DiceScore.passion(PRED, REF), TOL);
    assertEquals(4.0 / 7, DiceScore.of(DiceScore.Convention.BRATS, PRED, REF), TOL);
  }

  @Test
  void emptyMasksFollowEachConvention() {
    assertEquals(1.0, DiceScore.passion(EMPTY, EMPTY), TOL);
    assertEquals(1e-8 / (4 + 1e-8), DiceScore.passion(EMPTY, REF), TOL);
    assertEquals(1.0, DiceScore.brats(EMPTY, EMPTY), TOL);
    assertEquals(0.0, DiceScore.brats(PRED, EMPTY), TOL);
    assertEquals(0.0, DiceScore.ssl4mis(EMPTY, EMPTY), TOL);
    assertEquals(0.0, DiceScore.ssl4mis(EMPTY, REF), TOL);
    assertThrows(ShapeMismatchException.class, () -> DiceScore.brats(PRED, new boolean[4]));
  }
}
