package org.delineo.training.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Window geometry, coverage and averaging against hand-computed values and whole-image application. */
class SlidingWindowTest {

  @Test
  void startsStepByStrideWithTheLastAlignedToTheBorder() {
    assertArrayEquals(new int[] {0, 3, 6}, SlidingWindow.starts(10, 4, 3));
    assertArrayEquals(new int[] {0, 3, 6, 7}, SlidingWindow.starts(11, 4, 3));
    assertArrayEquals(new int[] {0}, SlidingWindow.starts(4, 4, 2));
    assertArrayEquals(new int[] {0}, SlidingWindow.starts(3, 4, 2), "shorter than the window: one window");
  }

  @Test
  void coverageOnOddSizesIsTheProductOfPerAxisCounts() {
    SlidingWindow sw = new SlidingWindow(new int[] {3, 3}, new int[] {2, 2}, 1);
    int[] spatial = {7, 5};
    // Axis 0: windows [0,3) [2,5) [4,7); axis 1: [0,3) [2,5).
    int[] rows = {1, 1, 2, 1, 2, 1, 1};
    int[] cols = {1, 1, 2, 1, 1};
    int[] expected = new int[35];
    for (int y = 0; y < 7; y++) {
      for (int x = 0; x < 5; x++) {
        expected[y * 5 + x] = rows[y] * cols[x];
      }
    }
    assertEquals(6, sw.origins(spatial).size());
    assertArrayEquals(expected, sw.coverage(spatial));
  }

  @Test
  void pointwiseModelGivesTheWholeImageResultIn2dAnd3d() {
    check(new int[] {7, 5}, new int[] {3, 3}, new int[] {2, 2}, 1, 3, 4);
    check(new int[] {5, 4, 3}, new int[] {3, 3, 2}, new int[] {2, 2, 1}, 2, 3, 2);
    check(new int[] {2, 3}, new int[] {4, 4}, new int[] {2, 2}, 1, 2, 1); // smaller than the window
  }

  /** A per-voxel model is translation-equivariant: averaging equal values returns them (1e-6 relative). */
  private static void check(int[] spatial, int[] window, int[] stride, int channels, int classes, int batch) {
    int voxels = Arrays.stream(spatial).reduce(1, (a, b) -> a * b);
    float[] image = new float[voxels * channels];
    for (int i = 0; i < image.length; i++) {
      image[i] = (float) Math.sin(0.7 * i) + 0.1f * i;
    }
    List<Integer> calls = new ArrayList<>();
    float[] slid = new SlidingWindow(window, stride, batch).apply(image, spatial, channels, classes,
        (windows, count, w) -> {
          calls.add(count);
          assertTrue(count <= batch);
          return pointwise(windows, windows.length / channels, channels, classes);
        });
    float[] whole = pointwise(image, voxels, channels, classes);
    for (int i = 0; i < whole.length; i++) {
      assertEquals(whole[i], slid[i], 1e-6 * Math.max(1, Math.abs(whole[i])), "value " + i);
    }
    assertEquals(new SlidingWindow(window, stride, batch).origins(spatial).size(),
        calls.stream().mapToInt(Integer::intValue).sum(), "every window runs once");
  }

  private static float[] pointwise(float[] x, int voxels, int channels, int classes) {
    float[] out = new float[voxels * classes];
    for (int v = 0; v < voxels; v++) {
      for (int c = 0; c < classes; c++) {
        float acc = c;
        for (int k = 0; k < channels; k++) {
          acc += (c + 1) * (k + 1) * x[v * channels + k];
        }
        out[v * classes + c] = acc;
      }
    }
    return out;
  }

  @Test
  void overlappingOutputsAreAveragedUniformly() {
    // 1 × 5 image, windows [0,3) and [2,5); the model outputs each voxel's position in its window.
    float[] out = new SlidingWindow(new int[] {1, 3}, new int[] {1, 2}, 4).apply(new float[5], new int[] {1, 5}, 1, 1,
        (windows, count, w) -> {
          float[] r = new float[count * 3];
          for (int j = 0; j < count; j++) {
            for (int x = 0; x < 3; x++) {
              r[j * 3 + x] = x;
            }
          }
          return r;
        });
    // Voxel 2 is position 2 in the first window and 0 in the second: mean 1.
    assertArrayEquals(new float[] {0, 1, 1, 1, 2}, out, 0f);
    assertArrayEquals(new int[] {1, 0}, SlidingWindow.argMax(new float[] {0, 5, 1, 2, 1, 2}, 3), "first maximum wins");
  }
}
