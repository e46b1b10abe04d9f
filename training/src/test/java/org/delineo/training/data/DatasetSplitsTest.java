package org.delineo.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetSplitsTest {
  @TempDir Path root;

  private static List<String> ids(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(String.format("case%02d", i));
    }
    return ids;
  }

  @Test
  void seededCountsFollowTheDocumentedRounding() {
    // Hand-computed from the documented rule: test = val = round(0.15 g), at least 1 when g >= 3.
    int[][] expected = {{20, 14, 3, 3}, {10, 6, 2, 2}, {5, 3, 1, 1}, {3, 1, 1, 1}, {2, 2, 0, 0},
        {1, 1, 0, 0}};
    for (int[] row : expected) {
      DatasetSplits s = DatasetSplits.seeded(ids(row[0]), Function.identity(), 7);
      assertEquals(row[1], s.ids(Split.TRAIN).size(), "train of " + row[0]);
      assertEquals(row[2], s.ids(Split.VAL).size(), "val of " + row[0]);
      assertEquals(row[3], s.ids(Split.TEST).size(), "test of " + row[0]);
    }
  }

  @Test
  void seededSplitIsADeterministicPartition() {
    List<String> all = ids(40);
    DatasetSplits a = DatasetSplits.seeded(all, Function.identity(), 3);
    List<String> reversed = new ArrayList<>(all);
    Collections.reverse(reversed);
    DatasetSplits b = DatasetSplits.seeded(reversed, Function.identity(), 3);
    Set<String> union = new HashSet<>();
    int total = 0;
    for (Split split : Split.values()) {
      assertEquals(a.ids(split), b.ids(split), "input order must not matter");
      List<String> sorted = new ArrayList<>(a.ids(split));
      sorted.sort(null);
      assertEquals(sorted, a.ids(split), "ids are sorted");
      union.addAll(a.ids(split));
      total += a.ids(split).size();
    }
    assertEquals(40, total);
    assertEquals(new HashSet<>(all), union);
    DatasetSplits other = DatasetSplits.seeded(all, Function.identity(), 4);
    assertNotEquals(a.ids(Split.TEST), other.ids(Split.TEST), "another seed, another split");
  }

  @Test
  void seededSplitKeepsGroupsTogether() {
    List<String> frames = new ArrayList<>();
    for (int p = 0; p < 10; p++) {
      frames.add("p" + p + "_frame01");
      frames.add("p" + p + "_frame12");
    }
    DatasetSplits s = DatasetSplits.seeded(frames, id -> id.substring(0, id.indexOf('_')), 1);
    for (Split split : Split.values()) {
      for (String id : s.ids(split)) {
        String partner = id.endsWith("01") ? id.replace("01", "12") : id.replace("12", "01");
        assertTrue(s.ids(split).contains(partner), id + " and " + partner + " share a split");
      }
    }
    assertEquals(4, s.ids(Split.TEST).size(), "round(0.15 * 10) = 2 patients = 4 frames");
  }

  @Test
  void splitFilesWinAndExpandGroups() throws IOException {
    Files.createDirectories(root.resolve("splits"));
    Files.writeString(root.resolve("splits/train.txt"), "# comment\np1\n\np2_frame01\n");
    Files.writeString(root.resolve("splits/val.txt"), "p2_frame12\n");
    List<String> all = List.of("p1_frame01", "p1_frame12", "p2_frame01", "p2_frame12", "p3_frame01");
    DatasetSplits s = DatasetSplits.resolve(SplitFiles.standard(root), all, id -> id.substring(0, 2), 0);
    assertEquals(List.of("p1_frame01", "p1_frame12", "p2_frame01"), s.ids(Split.TRAIN));
    assertEquals(List.of("p2_frame12"), s.ids(Split.VAL));
    assertEquals(List.of(), s.ids(Split.TEST), "absent test.txt gives an empty split");
  }

  @Test
  void unknownOrDuplicatedEntriesNameTheFile() throws IOException {
    Files.createDirectories(root.resolve("splits"));
    Files.writeString(root.resolve("splits/train.txt"), "a\nzzz\n");
    DelineoException unknown = assertThrows(DelineoException.class,
        () -> DatasetSplits.resolve(SplitFiles.standard(root), List.of("a", "b"), Function.identity(), 0));
    assertTrue(unknown.getMessage().contains("train.txt line 2"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("'zzz'"), unknown.getMessage());

    Files.writeString(root.resolve("splits/train.txt"), "a\n");
    Files.writeString(root.resolve("splits/test.txt"), "b\na\n");
    DelineoException twice = assertThrows(DelineoException.class,
        () -> DatasetSplits.resolve(SplitFiles.standard(root), List.of("a", "b"), Function.identity(), 0));
    assertTrue(twice.getMessage().contains("test.txt line 2"), twice.getMessage());
    assertTrue(twice.getMessage().contains("train.txt"), twice.getMessage());
  }

  @Test
  void aGivenFileReplacesOnlyItsOwnSplitsStandardFile() throws IOException {
    Files.createDirectories(root.resolve("splits"));
    Files.writeString(root.resolve("splits/train.txt"), "a\nb\n");
    Files.writeString(root.resolve("splits/val.txt"), "c\n");
    Path mine = Files.writeString(root.resolve("my-val.txt"), "d\n");
    List<String> all = List.of("a", "b", "c", "d");
    DatasetSplits s = DatasetSplits.resolve(SplitFiles.standard(root).with(Split.VAL, mine), all,
        Function.identity(), 0);
    assertEquals(List.of("a", "b"), s.ids(Split.TRAIN), "standard train.txt still read");
    assertEquals(List.of("d"), s.ids(Split.VAL), "my-val.txt, not splits/val.txt");
    assertEquals(List.of(), s.ids(Split.TEST));
  }

  @Test
  void aGivenFileAloneDefinesTheSplitsInsteadOfTheSeededFallback() throws IOException {
    Path train = Files.writeString(root.resolve("train-list.txt"), "case00\ncase01\n");
    DatasetSplits s = DatasetSplits.resolve(SplitFiles.standard(root).with(Split.TRAIN, train), ids(12),
        Function.identity(), 0);
    assertEquals(List.of("case00", "case01"), s.ids(Split.TRAIN));
    assertEquals(List.of(), s.ids(Split.VAL), "no val file: empty, as with splits/ files");
    assertEquals(List.of(), s.ids(Split.TEST));
  }

  @Test
  void aMissingGivenFileOrOneFileForTwoSplitsIsAnError() throws IOException {
    Path absent = root.resolve("nowhere.txt");
    DelineoException missing = assertThrows(DelineoException.class, () -> DatasetSplits.resolve(
        SplitFiles.standard(root).with(Split.TEST, absent).with(Split.TRAIN,
            Files.writeString(root.resolve("t.txt"), "a\n")), List.of("a", "b"), Function.identity(), 0));
    assertTrue(missing.getMessage().contains(absent + " of the test split not found"), missing.getMessage());

    Path both = Files.writeString(root.resolve("both.txt"), "a\n");
    DelineoException twice = assertThrows(DelineoException.class, () -> DatasetSplits.resolve(
        SplitFiles.standard(root).with(Split.TRAIN, both).with(Split.VAL, both), List.of("a", "b"),
        Function.identity(), 0));
    assertTrue(twice.getMessage().contains("sample 'a' is already listed in " + both + " (the train split)"),
        twice.getMessage());
  }

  @Test
  void writeThenResolveRoundTrips() {
    DatasetSplits s = DatasetSplits.seeded(ids(12), Function.identity(), 9);
    s.write(root);
    DatasetSplits back = DatasetSplits.resolve(SplitFiles.standard(root), ids(12), Function.identity(), 12345);
    for (Split split : Split.values()) {
      assertEquals(s.ids(split), back.ids(split));
    }
    assertTrue(back.source().contains("splits"), back.source());
  }
}
