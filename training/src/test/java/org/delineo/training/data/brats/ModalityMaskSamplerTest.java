package org.delineo.training.data.brats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ModalityMaskMode;
import org.delineo.training.config.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * Each mode draws only allowed masks over many draws. PDT uniformity: 15,000 draws, chi-square
 * with 14 degrees of freedom must stay below 45 (its 99.99th percentile is about 43.8, and the
 * test is deterministic for a fixed seed anyway).
 */
class ModalityMaskSamplerTest {
  private static ModalitySplitCsv split() {
    Map<String, Integer> masks = new LinkedHashMap<>();
    masks.put("flair_t1ce_t1", 10); // [T, T, T, F]
    masks.put("only_t1", 2);
    masks.put("t1ce_t2", 4); // [F, T, F, T]
    return ModalitySplitCsv.of("split.csv", masks);
  }

  @Test
  void pdtCoversAllFifteenMasksUniformly() {
    ModalityMaskSampler s = new ModalityMaskSampler(ModalityMaskMode.PDT, 11, null);
    int draws = 15000;
    int[] counts = new int[15];
    for (int i = 0; i < draws; i++) {
      counts[s.maskIndexFor("case" + (i % 37), i)]++;
    }
    double expected = draws / 15.0;
    double chi2 = 0;
    for (int c : counts) {
      chi2 += (c - expected) * (c - expected) / expected;
    }
    assertTrue(chi2 < 45, "chi-square " + chi2);
  }

  @Test
  void drawsAreAFunctionOfSeedCaseAndCounter() {
    ModalityMaskSampler a = new ModalityMaskSampler(ModalityMaskMode.PDT, 5, null);
    ModalityMaskSampler b = new ModalityMaskSampler(ModalityMaskMode.PDT, 5, null);
    boolean differs = false;
    for (int i = 0; i < 50; i++) {
      assertArrayEquals(a.maskFor("x", i), b.maskFor("x", i));
      differs |= a.maskIndexFor("x", i) != a.maskIndexFor("x", i + 1);
    }
    assertTrue(differs, "the counter changes the draw");
  }

  @Test
  void utdKeepsTheCaseMaskAndFullHasAll() {
    ModalityMaskSampler utd = new ModalityMaskSampler(ModalityMaskMode.UTD, 1, split());
    ModalityMaskSampler full = new ModalityMaskSampler(ModalityMaskMode.FULL, 1, null);
    for (int i = 0; i < 100; i++) {
      assertEquals(10, utd.maskIndexFor("flair_t1ce_t1", i));
      assertEquals(2, utd.maskIndexFor("only_t1", i));
      assertArrayEquals(new boolean[] {true, true, true, true}, full.maskFor("any", i));
    }
  }

  @Test
  void utdDropDrawsOnlyNonEmptySubsetsOfAvailableModalities() {
    ModalityMaskSampler s = new ModalityMaskSampler(ModalityMaskMode.UTD_DROP, 3, split());
    Map<String, boolean[]> available = Map.of(
        "flair_t1ce_t1", new boolean[] {true, true, true, false},
        "only_t1", new boolean[] {false, false, true, false},
        "t1ce_t2", new boolean[] {false, true, false, true});
    for (Map.Entry<String, boolean[]> e : available.entrySet()) {
      int[] seen = new int[15];
      for (int i = 0; i < 2000; i++) {
        boolean[] mask = s.maskFor(e.getKey(), i);
        boolean any = false;
        for (int m = 0; m < 4; m++) {
          assertFalse(mask[m] && !e.getValue()[m], e.getKey() + " draws a missing modality");
          any |= mask[m];
        }
        assertTrue(any);
        seen[s.maskIndexFor(e.getKey(), i)]++;
      }
      // Every allowed subset occurs: 2^k - 1 subsets for k available modalities.
      int k = 0;
      for (boolean b : e.getValue()) {
        k += b ? 1 : 0;
      }
      int distinct = 0;
      for (int c : seen) {
        distinct += c > 0 ? 1 : 0;
      }
      assertEquals((1 << k) - 1, distinct, e.getKey());
    }
  }

  @Test
  void unknownCaseAndMissingCsvAreClearErrors() {
    ModalityMaskSampler s = new ModalityMaskSampler(ModalityMaskMode.UTD_DROP, 3, split());
    DelineoException e = assertThrows(DelineoException.class, () -> s.maskFor("nope", 0));
    assertTrue(e.getMessage().contains("split.csv") && e.getMessage().contains("nope"),
        e.getMessage());
    // A missing CSV is a config mistake: the CLI reports it as one, naming the field.
    ConfigException missing = assertThrows(ConfigException.class,
        () -> new ModalityMaskSampler(ModalityMaskMode.UTD, 0, null));
    assertTrue(missing.getMessage().startsWith("field 'data.modality_split_csv'"), missing.getMessage());
    ConfigException unset = assertThrows(ConfigException.class, () -> ModalityMaskSampler.fromConfig(
        DataConfig.newBuilder().setModalityMaskMode(ModalityMaskMode.UTD_DROP).build(), 0));
    assertTrue(unset.getMessage().startsWith("field 'data.modality_split_csv'"), unset.getMessage());
  }
}
