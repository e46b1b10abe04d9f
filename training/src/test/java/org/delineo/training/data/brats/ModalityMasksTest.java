package org.delineo.training.data.brats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;

/** The mask table against reference-methods.md §4.4 and PASSION's pos_mask_ids (exact). */
class ModalityMasksTest {
  private static final boolean T = true;
  private static final boolean F = false;

  @Test
  void tableRowsMatchTheReference() {
    // Rows copied by hand from §4.4 (flair, t1ce, t1, t2).
    assertArrayEquals(new boolean[] {F, F, F, T}, ModalityMasks.mask(0));
    assertArrayEquals(new boolean[] {F, T, F, F}, ModalityMasks.mask(1));
    assertArrayEquals(new boolean[] {T, F, F, F}, ModalityMasks.mask(3));
    assertArrayEquals(new boolean[] {F, T, F, T}, ModalityMasks.mask(4));
    assertArrayEquals(new boolean[] {F, F, T, T}, ModalityMasks.mask(7));
    assertArrayEquals(new boolean[] {T, T, T, F}, ModalityMasks.mask(10));
    assertArrayEquals(new boolean[] {F, T, T, T}, ModalityMasks.mask(13));
    assertArrayEquals(new boolean[] {T, T, T, T}, ModalityMasks.mask(14));
    assertEquals("flair+t1ce", ModalityMasks.name(9));
    assertEquals("all", ModalityMasks.name(14));
    assertEquals(15, ModalityMasks.names().size());
  }

  @Test
  void allFifteenNonEmptySubsetsOccurOnceAndIndexOfInverts() {
    Set<Integer> codes = new HashSet<>();
    for (int i = 0; i < 15; i++) {
      boolean[] m = ModalityMasks.mask(i);
      int code = (m[0] ? 8 : 0) | (m[1] ? 4 : 0) | (m[2] ? 2 : 0) | (m[3] ? 1 : 0);
      codes.add(code);
      assertEquals(i, ModalityMasks.indexOf(m));
    }
    assertEquals(15, codes.size());
    assertThrows(DelineoException.class, () -> ModalityMasks.indexOf(new boolean[4]));
    assertThrows(DelineoException.class, () -> ModalityMasks.mask(15));
  }

  @Test
  void singlesAndSubsets() {
    assertArrayEquals(new int[] {3, 1, 2, 0}, ModalityMasks.singles());
    for (int ch = 0; ch < 4; ch++) {
      boolean[] m = ModalityMasks.mask(ModalityMasks.single(ch));
      for (int k = 0; k < 4; k++) {
        assertEquals(k == ch, m[k]);
      }
    }
    // pos_mask_ids from PASSION's Brats2020_imb_split_mr2468.csv.
    assertArrayEquals(new int[] {1, 2, 3, 5, 6, 9, 10}, ModalityMasks.subsetsOf(10));
    assertArrayEquals(new int[] {0, 1, 2, 4, 5, 7, 13}, ModalityMasks.subsetsOf(13));
    assertArrayEquals(new int[] {2}, ModalityMasks.subsetsOf(2));
    assertEquals(15, ModalityMasks.subsetsOf(14).length);
  }
}
