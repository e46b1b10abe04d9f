package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.junit.jupiter.api.Test;

/** Expected values are counted and divided by hand in the comments; tolerance 1e-12. */
class ConfusionMatrixTest {
  private static final double TOL = 1e-12;

  // Positions 7 and 10 carry the ignore label 255 and must not count.
  private static final int[] LABELS = {0, 0, 0, 1, 1, 2, 2, 255, 1, 0, 255, 2};
  private static final int[] PREDS = {0, 0, 1, 1, 2, 2, 0, 1, 1, 0, 2, 2};

  /*
   * Counted (label, prediction) pairs: (0,0)x3 (0,1)x1 (1,1)x2 (1,2)x1 (2,2)x2 (2,0)x1.
   *            pred 0  1  2   | GT pixels
   *   label 0       3  1  0   | 4
   *   label 1       0  2  1   | 3
   *   label 2       1  0  2   | 3
   *   predicted     4  3  3     total 10
   * IoU  = 3/(4+4-3)=3/5, 2/(3+3-2)=1/2, 2/(3+3-2)=1/2      mIoU = 1.6/3
   * Dice = 6/8=3/4, 4/6=2/3, 4/6=2/3                        mDice = 25/36
   * aAcc = 7/10; class acc = 3/4, 2/3, 2/3
   * fwIoU = 0.4*0.6 + 0.3*0.5 + 0.3*0.5 = 0.54
   */
  @Test
  void threeClassesWithIgnoredPixels() {
    ConfusionMatrix m = new ConfusionMatrix(3, 255);
    m.add(PREDS, LABELS);
    long[][] expected = {{3, 1, 0}, {0, 2, 1}, {1, 0, 2}};
    for (int t = 0; t < 3; t++) {
      for (int p = 0; p < 3; p++) {
        assertEquals(expected[t][p], m.count(t, p), "count(" + t + "," + p + ")");
      }
    }
    assertEquals(10, m.total());
    assertArrayEquals(new long[] {4, 3, 3}, m.labelPixels());
    assertArrayEquals(new long[] {4, 3, 3}, m.predictedPixels());
    assertArrayEquals(new double[] {3.0 / 5, 1.0 / 2, 1.0 / 2}, m.iou(), TOL);
    assertEquals(1.6 / 3, m.meanIoU(), TOL);
    assertArrayEquals(new double[] {3.0 / 4, 2.0 / 3, 2.0 / 3}, m.dice(), TOL);
    assertEquals(25.0 / 36, m.meanDice(), TOL);
    assertEquals(0.7, m.pixelAccuracy(), TOL);
    assertArrayEquals(new double[] {3.0 / 4, 2.0 / 3, 2.0 / 3}, m.classAccuracy(), TOL);
    assertEquals(0.54, m.frequencyWeightedIoU(), TOL);

    Map<String, Double> summary = m.summary("val");
    assertEquals(List.of("val/mIoU", "val/mDice", "val/mAcc", "val/aAcc", "val/fwIoU"),
        List.copyOf(summary.keySet()));
    assertEquals(160.0 / 3, summary.get("val/mIoU"), 1e-10, "percent scale");
    assertEquals(70.0, summary.get("val/aAcc"), 1e-10);
  }

  /** The hand-counted matrix above, given as counts, has the hand-computed metrics. */
  @Test
  void countsGivenDirectlyDeriveTheSameMetrics() {
    ConfusionMatrix m = ConfusionMatrix.ofCounts(new long[][] {{3, 1, 0}, {0, 2, 1}, {1, 0, 2}}, 255);
    assertEquals(3, m.numClasses());
    assertEquals(255, m.ignoreIndex());
    assertEquals(1, m.count(0, 1));
    assertEquals(1, m.count(2, 0));
    assertEquals(1.6 / 3, m.meanIoU(), TOL);
    assertEquals(25.0 / 36, m.meanDice(), TOL);
    assertEquals(0.7, m.pixelAccuracy(), TOL);

    DelineoException ragged = assertThrows(DelineoException.class,
        () -> ConfusionMatrix.ofCounts(new long[][] {{1, 0}, {2}}, 255));
    assertEquals("confusion matrix counts: expected 2 x 2, found 1 counts in row 1", ragged.getMessage());
    DelineoException negative = assertThrows(DelineoException.class,
        () -> ConfusionMatrix.ofCounts(new long[][] {{1, -1}, {0, 0}}, 255));
    assertEquals("confusion matrix counts: expected non-negative counts, found -1 at row 0, column 1",
        negative.getMessage());
  }

  /*
   * 4 classes; class 2 only predicted, class 3 absent from both.
   * labels [0,0,1,1], predictions [0,2,1,1]:
   *   IoU0 = 1/(2+1-1) = 1/2, IoU1 = 2/2 = 1, IoU2 = 0/(0+1-0) = 0, IoU3 = 0/0 = NaN
   *   mIoU = nanmean = (1/2 + 1 + 0)/3 = 1/2  (mmseg: class 3 left out, class 2 counts as 0)
   *   Dice = 2/3, 1, 0, NaN -> mDice = 5/9
   *   class acc = 1/2, 1, NaN, NaN -> mAcc = 3/4; fwIoU = 1/2*1/2 + 1/2*1 = 3/4
   */
  @Test
  void absentClassesAreLeftOutOfTheMeansAsInMmseg() {
    ConfusionMatrix m = new ConfusionMatrix(4, 255);
    m.add(new int[] {0, 2, 1, 1}, new int[] {0, 0, 1, 1});
    double[] iou = m.iou();
    assertEquals(0.5, iou[0], TOL);
    assertEquals(1.0, iou[1], TOL);
    assertEquals(0.0, iou[2], TOL);
    assertTrue(Double.isNaN(iou[3]), "IoU of a class absent from labels and predictions");
    assertEquals(0.5, m.meanIoU(), TOL);
    assertTrue(Double.isNaN(m.dice()[3]));
    assertEquals(5.0 / 9, m.meanDice(), TOL);
    assertEquals(0.75, m.meanClassAccuracy(), TOL);
    assertEquals(0.75, m.frequencyWeightedIoU(), TOL);
    assertEquals(0.75, m.pixelAccuracy(), TOL);
  }

  @Test
  void emptyMatrixHasUndefinedMetrics() {
    ConfusionMatrix m = new ConfusionMatrix(2, 255);
    m.add(new int[] {1, 0}, new int[] {255, 255});
    assertEquals(0, m.total());
    assertTrue(Double.isNaN(m.meanIoU()));
    assertTrue(Double.isNaN(m.pixelAccuracy()));
    assertTrue(Double.isNaN(m.frequencyWeightedIoU()));
  }

  @Test
  void mergingPartsEqualsCountingTheWhole() {
    ConfusionMatrix first = new ConfusionMatrix(3, 255);
    ConfusionMatrix second = new ConfusionMatrix(3, 255);
    first.add(Arrays.copyOfRange(PREDS, 0, 5), Arrays.copyOfRange(LABELS, 0, 5));
    second.add(Arrays.copyOfRange(PREDS, 5, 12), Arrays.copyOfRange(LABELS, 5, 12));
    ConfusionMatrix copy = first.copy();
    assertEquals(5, first.total(), "first five pairs, none ignored");
    first.merge(second);
    assertEquals(10, first.total());
    assertEquals(3, first.count(0, 0));
    assertEquals(1, first.count(2, 0));
    assertEquals(1.6 / 3, first.meanIoU(), TOL);
    assertEquals(5, copy.total(), "copy is independent of later merges");
    assertThrows(DelineoException.class, () -> first.merge(new ConfusionMatrix(4, 255)));
    assertThrows(DelineoException.class, () -> first.merge(new ConfusionMatrix(3, -1)));
  }

  @Test
  void rejectsLabelsOutsideTheClassesNamingTheValue() {
    ConfusionMatrix m = new ConfusionMatrix(3, 255);
    DelineoException e = assertThrows(DelineoException.class,
        () -> m.add(new int[] {0, 0, 0}, new int[] {0, 7, 1}));
    assertTrue(e.getMessage().contains("label 7") && e.getMessage().contains("position 1")
        && e.getMessage().contains("[0, 3)") && e.getMessage().contains("255"), e.getMessage());
    assertThrows(DelineoException.class, () -> m.add(new int[] {0}, new int[] {-1}));
    DelineoException p = assertThrows(DelineoException.class,
        () -> m.add(new int[] {0, 3}, new int[] {0, 1}));
    assertTrue(p.getMessage().contains("prediction 3"), p.getMessage());
    assertThrows(ShapeMismatchException.class, () -> m.add(new int[] {0}, new int[] {0, 1}));
    assertEquals(0, m.total(), "rejected inputs count nothing");
  }
}
