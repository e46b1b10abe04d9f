package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModalityMaskTableTest {
  /** Means of hand-picked values; 1e-9 absolute. */
  private static final double TOL = 1e-9;

  private static ModalityMaskTable table() {
    ModalityMaskTable t = new ModalityMaskTable(List.of("t2", "t1c", "all"), EmptyMaskRule.BRATS);
    t.add("t2", new BratsCaseScores(0.8, 0.6, 0.4, 0.2, 10, 20, 30, 40));
    t.add(0, new BratsCaseScores(0.6, 0.4, 0.2, 0.0, 2, 4, 6, 8));
    t.add("all", new BratsCaseScores(0.9, 0.8, 0.7, 0.6, 1, 2, 3, 4));
    return t;
  }

  @Test
  void rowsAreCaseMeansAndTheAverageRowIsTheMeanOfRowsWithCases() {
    ModalityMaskTable t = table();
    assertEquals(2, t.cases("t2"));
    assertArrayEquals(new double[] {0.7, 0.5, 0.3, 0.1, 6, 12, 18, 24}, t.row("t2").values());
    assertTrue(Double.isNaN(t.row("t1c").diceWt()), "no cases: NaN");
    // Mean of the t2 and all rows; t1c has no cases and is left out.
    assertArrayEquals(new double[] {0.8, 0.65, 0.5, 0.35, 3.5, 7, 10.5, 14},
        t.average().values());
    assertThrows(DelineoException.class, () -> t.add("flair", t.average()));
    assertThrows(DelineoException.class, () -> t.add(3, t.average()));
    assertThrows(DelineoException.class,
        () -> new ModalityMaskTable(List.of("a", "a"), EmptyMaskRule.BRATS));
  }

  @Test
  void formatPrintsAlignedRowsWithDiceInPercent() {
    String text = table().format();
    String[] lines = text.split("\n");
    assertEquals(6, lines.length, text);
    assertTrue(lines[0].contains("brats"), lines[0]);
    assertEquals(List.of("mask", "cases", "dice_wt", "dice_tc", "dice_et", "dice_etpro",
        "hd95_wt", "hd95_tc", "hd95_et", "hd95_etpro"), tokens(lines[1]));
    assertEquals(List.of("t2", "2", "70.00", "50.00", "30.00", "10.00", "6.00", "12.00",
        "18.00", "24.00"), tokens(lines[2]));
    assertEquals("t1c 0 nan", String.join(" ", tokens(lines[3]).subList(0, 3)));
    assertEquals(List.of("average", "80.00", "65.00", "50.00", "35.00", "3.50", "7.00",
        "10.50", "14.00"), tokens(lines[5]));
    // Aligned: every row as long as the header.
    for (int i = 2; i < lines.length; i++) {
      assertEquals(lines[1].length(), lines[i].length(), lines[i]);
    }
  }

  @Test
  void csvAndJsonAreWrittenAtomicallyToTheRunDirectory(@TempDir Path dir) throws Exception {
    ModalityMaskTable t = table();
    Path csv = dir.resolve("run").resolve("masks.csv");
    t.writeCsv(csv);
    List<String> lines = Files.readAllLines(csv);
    assertEquals(5, lines.size());
    assertEquals("mask,cases," + String.join(",", BratsCaseScores.COLUMNS), lines.get(0));
    String[] average = lines.get(4).split(",");
    assertEquals("average", average[0]);
    assertEquals("3", average[1], "total cases");
    double[] expected = {80, 65, 50, 35, 3.5, 7, 10.5, 14};
    for (int c = 0; c < expected.length; c++) {
      assertEquals(expected[c], Double.parseDouble(average[c + 2]), TOL, "column " + c);
    }
    assertTrue(lines.get(2).startsWith("t1c,0,nan,"), lines.get(2));
    Path json = dir.resolve("run").resolve("masks.json");
    t.writeJson(json);
    String compact = Files.readString(json).replaceAll("\\s", "");
    assertTrue(compact.startsWith("{\"rule\":\"brats\","), compact);
    assertTrue(compact.contains("{\"mask\":\"t1c\",\"cases\":0,\"dice_wt\":null,"), compact);
    assertTrue(compact.contains("\"average\":{\"mask\":\"average\",\"cases\":3,\"dice_wt\":80.0"),
        compact);
    try (Stream<Path> files = Files.list(dir.resolve("run"))) {
      assertEquals(List.of("masks.csv", "masks.json"),
          files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary leftovers");
    }
  }

  private static void assertArrayEquals(double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], TOL, "column " + BratsCaseScores.COLUMNS.get(i)
          + " of " + Arrays.toString(actual));
    }
  }

  private static List<String> tokens(String line) {
    return List.of(line.trim().split("\\s+"));
  }
}
