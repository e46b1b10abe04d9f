package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/** Nearest resize on hand-worked grids (exact: values are copied, tolerance 0). */
class NearestResizeTest {
  @Test
  void upsamplingRepeatsEachPixelAndLabel() {
    Sample s = new Sample("u", new float[] {1, 10, 2, 20, 3, 30, 4, 40}, new int[] {2, 2, 2},
        new int[] {0, 1, 2, 3}, new int[] {2, 2}, new double[] {2, 2});
    Sample r = NearestResize.resize(s, 4, 4);
    // Source row/column of output o: floor((o + 0.5) * 2 / 4) = 0, 0, 1, 1.
    assertArrayEquals(new int[] {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}, r.label());
    assertArrayEquals(new float[] {1, 10, 1, 10, 2, 20, 2, 20}, java.util.Arrays.copyOf(r.image(), 8), 0f);
    assertArrayEquals(new double[] {1, 1}, r.spacing(), 0);
  }

  @Test
  void downsamplingPicksTheCentreCells() {
    float[] image = new float[16];
    int[] label = new int[16];
    for (int i = 0; i < 16; i++) {
      image[i] = i;
      label[i] = i % 3;
    }
    Sample r = NearestResize.resize(
        new Sample("d", image, new int[] {4, 4, 1}, label, new int[] {4, 4}, new double[] {1, 1}), 2, 2);
    // Sources floor((o + 0.5) * 4 / 2) = 1, 3 for rows and columns: pixels 5, 7, 13, 15.
    assertArrayEquals(new float[] {5, 7, 13, 15}, r.image(), 0f);
    assertArrayEquals(new int[] {2, 1, 1, 0}, r.label());
    assertArrayEquals(new double[] {2, 2}, r.spacing(), 0);
  }
}
