package org.delineo.training.data.brats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading and writing PASSION's split CSV (rows copied from Brats2020_imb_split_mr2468.csv), and
 * the generator's realised missing rates on 2000 cases. Rate tolerance 0.045: a realised rate is a
 * mean of 2000 Bernoulli draws with standard deviation at most sqrt(0.25 / 2000) = 0.0112, so
 * 0.045 is 4 standard deviations (a false failure has probability below 1e-4 per modality).
 */
class ModalitySplitCsvTest {
  private static final String PASSION_ROWS = String.join("\n",
      "data_name,mask_id,mask,pos_mask_ids",
      "HG_BraTS20_Training_002,10,\"[True, True, True, False]\",\"[1, 2, 3, 5, 6, 9, 10]\"",
      "HG_BraTS20_Training_003,2,\"[False, False, True, False]\",[2]",
      "HG_BraTS20_Training_006,14,\"[True, True, True, True]\","
          + "\"[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]\"",
      "");

  @TempDir Path dir;

  @Test
  void readsPassionRowsAndWritesThemBackVerbatim() throws IOException {
    Path file = dir.resolve("split.csv");
    Files.writeString(file, PASSION_ROWS);
    ModalitySplitCsv csv = ModalitySplitCsv.read(file);
    assertEquals(Map.of("HG_BraTS20_Training_002", 10, "HG_BraTS20_Training_003", 2,
        "HG_BraTS20_Training_006", 14), csv.masks());
    Path copy = dir.resolve("copy.csv");
    csv.write(copy);
    assertEquals(PASSION_ROWS, Files.readString(copy, StandardCharsets.UTF_8));
  }

  @Test
  void minimalColumnsAreEnough() throws IOException {
    Path file = dir.resolve("min.csv");
    Files.writeString(file, "case,mask_id\na,0\nb,13\n");
    assertEquals(13, ModalitySplitCsv.read(file).maskOf("b"));
  }

  @Test
  void inconsistentRowsAndUnknownCasesAreErrorsNamingTheFile() throws IOException {
    Path file = dir.resolve("bad.csv");
    Files.writeString(file, "data_name,mask_id,mask\nx,10,\"[True, False, True, False]\"\n");
    DelineoException bad = assertThrows(DelineoException.class, () -> ModalitySplitCsv.read(file));
    assertTrue(bad.getMessage().contains(file + ":2"), bad.getMessage());

    Path good = dir.resolve("good.csv");
    Files.writeString(good, PASSION_ROWS);
    DelineoException unknown = assertThrows(DelineoException.class,
        () -> ModalitySplitCsv.read(good).maskOf("HG_BraTS20_Training_999"));
    assertTrue(unknown.getMessage().contains(good.toString()), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("HG_BraTS20_Training_999"), unknown.getMessage());
  }

  @Test
  void generatorHitsTheMissingRatesAndNeverLeavesACaseEmpty() {
    List<String> cases = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      cases.add(String.format("case_%04d", i));
    }
    double[] rates = ModalitySplitGenerator.parseRates("flair=0.6,t1ce=0.4,t1=0.2,t2=0.8");
    assertArrayEquals(new double[] {0.6, 0.4, 0.2, 0.8}, rates, 0);
    ModalitySplitCsv csv = ModalitySplitGenerator.generate("gen", cases, rates, 7);
    assertEquals(2000, csv.masks().size());
    double[] realised = csv.missingRates();
    for (int m = 0; m < 4; m++) {
      assertEquals(rates[m], realised[m], 0.045, "modality " + m + " realised " + realised[m]);
    }
    // Every mask id is one of the 15 non-empty subsets by construction; check it explicitly.
    csv.masks().values().forEach(id -> assertTrue(id >= 0 && id < 15));
    // Seeded: same seed, same masks; another seed differs somewhere.
    assertEquals(csv.masks(), ModalitySplitGenerator.generate("gen", cases, rates, 7).masks());
    assertNotEquals(csv.masks(), ModalitySplitGenerator.generate("gen", cases, rates, 8).masks());
  }

  @Test
  void presenceProbabilitiesCompensateTheRedraw() {
    double[] rates = {0.6, 0.4, 0.2, 0.8};
    double[] q = ModalitySplitGenerator.presenceProbabilities(rates);
    // P(non-empty) with independent presences q, then P(present | non-empty) = q / Z = 1 - r.
    double z = 1 - (1 - q[0]) * (1 - q[1]) * (1 - q[2]) * (1 - q[3]);
    for (int m = 0; m < 4; m++) {
      assertEquals(1 - rates[m], q[m] / z, 1e-12, "modality " + m);
    }
    assertThrows(DelineoException.class,
        () -> ModalitySplitGenerator.presenceProbabilities(new double[] {0.9, 0.9, 0.9, 0.9}));
    assertThrows(DelineoException.class, () -> ModalitySplitGenerator.parseRates("flair=0.5"));
  }
}
