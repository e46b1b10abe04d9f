package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cutting metrics.jsonl back to a restored step, as a resume does. */
class MetricsLogTest {
  @TempDir Path dir;

  @Test
  void keepsTheEvaluationsUpToTheStepAndDropsATruncatedLastLine() throws IOException {
    Path file = dir.resolve("metrics.jsonl");
    Files.writeString(file, "{\"step\":2,\"val/mIoU\":10.0}\n"
        + "{\"step\":4,\"val/mIoU\":20.0}\n"
        + "{\"step\":6,\"val/mIoU\":30.0}\n"
        + "{\"step\":4,\"val/mI");
    assertEquals(2, new MetricsLog(file).retainUpTo(4));
    assertEquals("{\"step\":2,\"val/mIoU\":10.0}\n{\"step\":4,\"val/mIoU\":20.0}\n", Files.readString(file));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(1, s.count(), "no temporary file left");
    }
  }

  @Test
  void appendedRecordsAreRecognised() throws IOException {
    Path file = dir.resolve("metrics.jsonl");
    MetricsLog log = new MetricsLog(file);
    for (long step : new long[] {10, 20, 30}) {
      Map<String, Double> scalars = new LinkedHashMap<>();
      scalars.put("val/mIoU", (double) step);
      log.append(step, scalars);
    }
    assertEquals(1, log.retainUpTo(25));
    String[] lines = Files.readString(file).split("\n");
    assertEquals(2, lines.length);
    assertFalse(lines[1].contains("\"step\":30"));
  }

  @Test
  void nothingToRemoveLeavesTheFileAsItIsAndAMissingFileIsFine() throws IOException {
    Path file = dir.resolve("metrics.jsonl");
    assertEquals(0, new MetricsLog(file).retainUpTo(4));
    assertFalse(Files.exists(file));
    Files.writeString(file, "{\"step\":2}\n");
    var before = Files.getLastModifiedTime(file);
    assertEquals(0, new MetricsLog(file).retainUpTo(4));
    assertEquals(before, Files.getLastModifiedTime(file));
  }
}
