package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTableTest {

  /** labels [0,0,1,1], predictions [0,2,1,1] over 4 classes: IoU 50%, 100%, 0%, nan. */
  private static ConfusionMatrix matrix() {
    ConfusionMatrix m = new ConfusionMatrix(4, 255);
    m.add(new int[] {0, 2, 1, 1, 0}, new int[] {0, 0, 1, 1, 255});
    return m;
  }

  @Test
  void tableListsEveryClassWithIouDiceAndPixels() {
    String table = MetricsTable.format(matrix(), List.of("background", "road", "car", "sky"));
    String[] lines = table.split("\n");
    assertEquals(7, lines.length, table);
    assertEquals(List.of("class", "IoU", "Dice", "pixels"), List.of(lines[0].trim().split("\\s+")));
    // Dice of class 0: 2*1/(2+1) = 66.67%; road 100%; car 0%; sky undefined.
    assertEquals(List.of("background", "50.00", "66.67", "2"), List.of(lines[1].trim().split("\\s+")));
    assertEquals(List.of("road", "100.00", "100.00", "2"), List.of(lines[2].trim().split("\\s+")));
    assertEquals(List.of("car", "0.00", "0.00", "0"), List.of(lines[3].trim().split("\\s+")));
    assertEquals(List.of("sky", "nan", "nan", "0"), List.of(lines[4].trim().split("\\s+")));
    // mIoU = 50%, mDice = 5/9 = 55.56%, over 4 counted pixels.
    assertEquals(List.of("mean", "50.00", "55.56", "4"), List.of(lines[5].trim().split("\\s+")));
    assertTrue(lines[6].contains("aAcc 75.00") && lines[6].contains("fwIoU 75.00"), lines[6]);
    assertTrue(MetricsTable.format(matrix()).contains("\n3 "), "index names by default");
    assertThrows(DelineoException.class, () -> MetricsTable.format(matrix(), List.of("a")));
  }

  @Test
  void logAppendsOneJsonObjectPerEvaluationWithNanAsNull(@TempDir Path dir) throws Exception {
    MetricsLog log = new MetricsLog(dir.resolve("run").resolve(MetricsLog.FILE_NAME));
    Map<String, Double> extra = new LinkedHashMap<>();
    extra.put("train/loss", 0.25);
    log.appendEvaluation(100, "val", matrix(), List.of("bg", "ro\"ad", "c\\ar", "sky\n"), extra);
    log.append(200, Map.of("val/mIoU", Double.NaN));
    List<String> lines = Files.readAllLines(log.file());
    assertEquals(2, lines.size());
    String first = lines.get(0);
    assertTrue(first.startsWith("{\"step\":100,\"time\":\""), first);
    assertTrue(first.contains("\"val/mIoU\":50.0,"), first);
    assertTrue(first.contains("\"val/aAcc\":75.0,"), first);
    assertTrue(first.contains("\"train/loss\":0.25,"), first);
    assertTrue(first.contains("\"ro\\\"ad\":{\"IoU\":100.0,\"Dice\":100.0,\"pixels\":2}"), first);
    assertTrue(first.contains("\"c\\\\ar\":{\"IoU\":0.0,"), first);
    assertTrue(first.endsWith("\"sky\\n\":{\"IoU\":null,\"Dice\":null,\"pixels\":0}}}"), first);
    assertTrue(lines.get(1).endsWith(",\"val/mIoU\":null}"), lines.get(1));
  }
}
