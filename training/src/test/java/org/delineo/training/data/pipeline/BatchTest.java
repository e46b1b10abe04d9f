package org.delineo.training.data.pipeline;

import org.delineo.training.data.Sample;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.junit.jupiter.api.Test;

/** Stacking samples into a batch, checked on hand-written arrays (exact). */
class BatchTest {

  @Test
  void stacksImagesAndLabelsInOrder() {
    Sample a = new Sample("a", new float[] {1, 2}, new int[] {1, 2, 1}, new int[] {0, 1},
        new int[] {1, 2}, null);
    Sample b = new Sample("b", new float[] {3, 4}, new int[] {1, 2, 1}, new int[] {2, 3},
        new int[] {1, 2}, null);
    Batch batch = Batch.stack(List.of(a, b));
    assertEquals(List.of("a", "b"), batch.ids());
    assertArrayEquals(new float[] {1, 2, 3, 4}, batch.images());
    assertArrayEquals(new int[] {2, 1, 2, 1}, batch.imageShape());
    assertArrayEquals(new int[] {0, 1, 2, 3}, batch.labels());
    assertArrayEquals(new int[] {2, 1, 2}, batch.labelShape());
    assertEquals(2, batch.size());
    assertEquals(batch, Batch.stack(List.of(a, b)), "content equality");
  }

  @Test
  void unlabeledSamplesGiveNullLabels() {
    Sample a = new Sample("a", new float[] {1}, new int[] {1, 1, 1}, null, null, null);
    Batch batch = Batch.stack(List.of(a, a));
    assertNull(batch.labels());
    assertNull(batch.labelShape());
  }

  @Test
  void unequalShapesNameBothSamples() {
    Sample a = new Sample("a", new float[2], new int[] {1, 2, 1}, null, null, null);
    Sample b = new Sample("b", new float[3], new int[] {1, 3, 1}, null, null, null);
    ShapeMismatchException e =
        assertThrows(ShapeMismatchException.class, () -> Batch.stack(List.of(a, b)));
    assertTrue(e.getMessage().contains("expected image shape [1, 2, 1] (sample 'a')")
        && e.getMessage().contains("found [1, 3, 1] (sample 'b')"), e.getMessage());
    Sample c = new Sample("c", new float[2], new int[] {1, 2, 1}, new int[2], new int[] {1, 2}, null);
    assertThrows(ShapeMismatchException.class, () -> Batch.stack(List.of(a, c)));
  }
}
