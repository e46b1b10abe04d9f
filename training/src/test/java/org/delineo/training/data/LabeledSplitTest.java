package org.delineo.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.synth.SyntheticData;
import org.delineo.training.data.synth.SyntheticMedical2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabeledSplitTest {
  private static final Function<String, String> CASE = SliceDataset::volumeOf;

  /** 10 cases of 3 slices: case0#0 .. case9#2. */
  private static List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (int c = 0; c < 10; c++) {
      for (int s = 0; s < 3; s++) {
        ids.add("case" + c + "#" + s);
      }
    }
    return ids;
  }

  private static Set<String> cases(List<String> ids) {
    Set<String> out = new HashSet<>();
    ids.forEach(id -> out.add(CASE.apply(id)));
    return out;
  }

  @Test
  void wholeCasesAreLabeledAndTheRestUnlabeled() {
    LabeledSplit split = LabeledSplit.byCount(ids(), CASE, 3, 7);
    assertEquals(9, split.labeled().size(), "3 cases x 3 slices");
    assertEquals(21, split.unlabeled().size());
    assertEquals(3, cases(split.labeled()).size());
    Set<String> overlap = cases(split.labeled());
    overlap.retainAll(cases(split.unlabeled()));
    assertTrue(overlap.isEmpty(), "no case is both labeled and unlabeled: " + overlap);
    assertEquals(new HashSet<>(split.labeledCases()), cases(split.labeled()));
  }

  @Test
  void sameSeedSameCasesAndLargerCountsAreSupersets() {
    List<String> shuffled = ids();
    Collections.shuffle(shuffled, new Random(3));
    for (long seed = 0; seed < 5; seed++) {
      Set<String> one = cases(LabeledSplit.byCount(ids(), CASE, 1, seed).labeled());
      Set<String> three = cases(LabeledSplit.byCount(ids(), CASE, 3, seed).labeled());
      Set<String> seven = cases(LabeledSplit.byCount(ids(), CASE, 7, seed).labeled());
      assertTrue(three.containsAll(one) && seven.containsAll(three), "1 ⊂ 3 ⊂ 7, seed " + seed);
      assertEquals(three, cases(LabeledSplit.byCount(shuffled, CASE, 3, seed).labeled()),
          "input order does not matter");
      assertEquals(three, cases(LabeledSplit.byCount(ids(), CASE, 3, seed).labeled()),
          "deterministic");
    }
    Set<List<String>> draws = new HashSet<>();
    for (long seed = 0; seed < 10; seed++) {
      draws.add(LabeledSplit.byCount(ids(), CASE, 3, seed).labeledCases());
    }
    assertTrue(draws.size() > 1, "different seeds choose different cases");
  }

  @Test
  void fractionsRoundToWholeCasesWithAtLeastOne() {
    assertEquals(3, LabeledSplit.byFraction(ids(), CASE, 0.25, 1).labeledCases().size(),
        "round(2.5) = 3");
    assertEquals(1, LabeledSplit.byFraction(ids(), CASE, 0.01, 1).labeledCases().size());
    assertEquals(30, LabeledSplit.byFraction(ids(), CASE, 1.0, 1).labeled().size());
    assertEquals(2, LabeledSplit.of(ids(), CASE, 2, 0.5, 1).labeledCases().size(),
        "a case count wins over the fraction");
    assertEquals(5, LabeledSplit.of(ids(), CASE, 0, 0.5, 1).labeledCases().size());
  }

  @Test
  void impossibleRequestsAreErrors() {
    DelineoException count =
        assertThrows(DelineoException.class, () -> LabeledSplit.byCount(ids(), CASE, 11, 0));
    assertTrue(count.getMessage().contains("1..10") && count.getMessage().contains("11"),
        count.getMessage());
    assertThrows(DelineoException.class, () -> LabeledSplit.byFraction(ids(), CASE, 0, 0));
    assertThrows(DelineoException.class, () -> LabeledSplit.byFraction(ids(), CASE, 1.5, 0));
  }

  @Test
  void worksPerPatientOnSyntheticMedicalSlices(@TempDir Path dir) {
    SegmentationDataset volumes =
        SyntheticData.write(new SyntheticMedical2d(2, 24, 24), dir.resolve("m"), 8, 11);
    SliceDataset slices = new SliceDataset(volumes);
    LabeledSplit split = LabeledSplit.of(slices, Split.TRAIN, 1, 1, 5);
    Set<String> patients = new HashSet<>();
    split.labeled().forEach(id -> patients.add(slices.caseOf(id)));
    assertEquals(1, patients.size(), "one labeled patient: " + split.labeled());
    assertEquals(4, split.labeled().size(), "2 frames x 2 slices of that patient");
    assertTrue(split.labeled().get(0).startsWith(split.labeledCases().get(0) + "_frame"));
    assertEquals(slices.ids(Split.TRAIN).size(), split.labeled().size() + split.unlabeled().size());
    for (String id : split.unlabeled()) {
      assertTrue(!patients.contains(slices.caseOf(id)), id);
    }
  }
}
